package fastcpu

import "github.com/ditgo/ditgo/tensor"

// FP16 products (tensor.MatMulArgs.Round = RoundToFP16): A and B are
// rounded to float16 (tensor.RoundFP16) as they are packed, and the float32
// micro-kernel runs unchanged, as the bfloat16 emulation does
// (gemm_bf16.go). A product of two float16 values has at most 22
// significant bits, so it is exact in float32, and the result is bit for
// bit the float32 GEMM of the rounded operands. The rounding is one pass
// over each packed block: on AVX-512, VCVTPS2PH (round to nearest even)
// and VCVTPH2PS back, 16 floats at a time (roundFP16AVX512); elsewhere Go.

// roundFP16Go rounds every value of x to float16 in place: the Go kernel's
// rounding, and the tail of the vector loop.
func roundFP16Go(x []float32) {
	for i, v := range x {
		x[i] = tensor.RoundFP16(v)
	}
}

// roundFP16Block rounds a packed block to float16 in place, where the
// kernel has no packFP16.
func roundFP16Block(block []float32, kc, w int) { roundFP16Go(block[:kc*w]) }

// roundPacked rounds a packed sliver or panel of kc steps of w lanes as r
// says: with the kernel's packBF16 for bfloat16 (which may pack pairs),
// with its packFP16 or roundFP16Block for float16.
func roundPacked(k *gemmKernel, block []float32, r tensor.Rounding, kc, w int) {
	switch r {
	case tensor.RoundToBF16:
		k.packBF16(block, kc, w)
	case tensor.RoundToFP16:
		if k.packFP16 != nil {
			k.packFP16(block, kc, w)
		} else {
			roundFP16Block(block, kc, w)
		}
	}
}
