package fastcpu

import "github.com/ditgo/ditgo/tensor"

// BF16 products (tensor.MatMulArgs.Round): A and B are rounded to bfloat16
// (tensor.RoundBF16), their products, exact in float32, are summed in
// float32, and the bias and C stay float32. The GEMM of gemm.go runs them
// in one of two ways, both set up by the micro-kernel's packBF16, which
// finishes each packed sliver of op(A) and panel of op(B) in place:
//
//   - Emulation (every instruction set): packBF16 rounds every packed value
//     to bfloat16 (roundBF16Go, or roundBF16AVX512/AVX2), and the float32
//     micro-kernel runs unchanged. A product of two bfloat16 values has at
//     most 16 significant bits, so the kernel's FMA adds it exactly as if
//     it had been formed apart, and the result is bit for bit the float32
//     GEMM of the rounded operands, in the same order. Rounding costs one
//     pass over a block that is in L1 or L2 already.
//
//   - VDPBF16PS (instruction set avx512bf16, CPUs with AVX512_BF16): packBF16
//     packs two steps of k into each 32-bit word, step 2q in the high half
//     and step 2q+1 in the low half (bf16PairsAVX512), and the micro-kernel
//     (gemmAVX512BF16x12x32) multiplies pairs with VDPBF16PS, which adds the
//     high product, then the low one, to a float32 lane, each rounded: the
//     emulation's order, so the same values, except that VDPBF16PS reads
//     denormal inputs as 0 and flushes denormal sums to 0, and the zero
//     that pads an odd kc turns a sum of -0 into +0. An instruction does
//     twice the work of an FMA, but on the Emerald Rapids cores this was
//     measured on it issues at half the rate (0.5 per cycle, on the same
//     ports as the FMAs), so its peak is half the float32 FMA peak and the
//     emulation is the faster way there (BenchmarkBF16Peak). On AMD's
//     Zen 5 it issues at the FMA's rate, so its peak is twice the FMA's
//     and it is the faster way. instructionSets orders the two sets by the
//     CPU's family; DITGO_CPU_KERNEL=avx512bf16 or avx512 forces one.
//
// Both keep the float32 kernel's blocks, so their sums are cut at the same
// kc and have the same order.

// roundBF16Go rounds every value of x to bfloat16 in place: the
// emulation's packBF16 in plain Go, and the tail of the vector loops.
func roundBF16Go(x []float32) {
	for i, v := range x {
		x[i] = tensor.RoundBF16(v)
	}
}

// roundBF16Block is the emulation's packBF16 for the Go kernel: the block's
// layout does not matter to rounding.
func roundBF16Block(block []float32, kc, w int) { roundBF16Go(block[:kc*w]) }
