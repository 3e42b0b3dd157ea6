package fastcpu

import "github.com/klauspost/cpuid/v2"

// avx512Set is the AVX-512 instruction set: a 12×32 GEMM tile with
// AVX-512 packing (gemm_amd64.s, gemm_pack_amd64.s), and every vector loop
// on 16 lanes (unary_amd64.s, attention_amd64.s, reduce_amd64.s,
// optim_amd64.s).
var avx512Set = &instructionSet{
	name: "avx512",
	gemm: gemmKernel{
		mr: 12, nr: 32,
		kc: 384, mc: 3072, nc: 768,
		tile:   asmTile(12, 32, gemmAVX512x12x32),
		pack16: packAVX512,
		peak:   fmaPeakAVX512, peakFLOP: 16 * 16 * 2,
	},
	gelu: asmGELU(geluAVX512), geluBackward: asmGELUBackward(geluBackwardAVX512), lanes: 16,
	softmaxRow: softmaxRowAVX512Slice, softmaxGradRow: softmaxGradRowAVX512Slice,
	sumColumns: sumColumnsAVX512Slice,
	adamW:      adamWAVX512Slice,
}

// avx2Set is AVX2 + FMA: a 6×16 GEMM tile and the GELU loops on 8 lanes;
// the other kernels run their Go loops.
var avx2Set = &instructionSet{
	name: "avx2",
	gemm: gemmKernel{
		mr: 6, nr: 16,
		kc: 384, mc: 3072, nc: 768,
		tile: asmTile(6, 16, gemmAVX2x6x16),
		peak: fmaPeakAVX2, peakFLOP: 14 * 8 * 2,
	},
	gelu: asmGELU(geluAVX2), geluBackward: asmGELUBackward(geluBackwardAVX2), lanes: 8,
}

// instructionSets lists the instruction sets this CPU can run, fastest
// first. cpuid also checks that the operating system saves the vector
// registers.
func instructionSets() []*instructionSet {
	var sets []*instructionSet
	if cpuid.CPU.Supports(cpuid.AVX512F) {
		sets = append(sets, avx512Set)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		sets = append(sets, avx2Set)
	}
	return append(sets, genericSet)
}
