package fastcpu

// roundFP16AVX512 rounds n floats in place to float16 as tensor.RoundFP16
// does, n a multiple of 16 (gemm_fp16_amd64.s): VCVTPS2PH with rounding to
// nearest even, which overflows to infinity and makes float16's subnormals
// as RoundFP16 does, then VCVTPH2PS back. A NaN stays a NaN (made quiet).
//
//go:noescape
func roundFP16AVX512(x *float32, n int)
