package fastcpu

import "github.com/ditgo/ditgo/tensor"

// FP16 products (tensor.MatMulArgs.Round = RoundToFP16): A and B are
// rounded to float16 (tensor.RoundFP16) as they are packed, and the float32
// micro-kernel runs unchanged, as the bfloat16 emulation does
// (gemm_bf16.go). A product of two float16 values has at most 22
// significant bits, so it is exact in float32, and the result is bit for
// bit the float32 GEMM of the rounded operands. No x86 instruction set
// multiplies float16 in the vector units this package uses, so the
// rounding is plain Go: one pass over each packed block.

// roundFP16Block rounds a packed block to float16 in place.
func roundFP16Block(block []float32, kc, w int) {
	for i, v := range block[:kc*w] {
		block[i] = tensor.RoundFP16(v)
	}
}

// roundPacked rounds a packed sliver or panel of kc steps of w lanes as r
// says: with the kernel's packBF16 for bfloat16 (which may pack pairs),
// with roundFP16Block for float16.
func roundPacked(k *gemmKernel, block []float32, r tensor.Rounding, kc, w int) {
	switch r {
	case tensor.RoundToBF16:
		k.packBF16(block, kc, w)
	case tensor.RoundToFP16:
		roundFP16Block(block, kc, w)
	}
}
