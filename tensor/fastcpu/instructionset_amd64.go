package fastcpu

import "github.com/klauspost/cpuid/v2"

// avx512Set is the AVX-512 instruction set: a 12×32 GEMM tile with
// AVX-512 packing (gemm_amd64.s, gemm_pack_amd64.s) and rounding to
// bfloat16 or float16 for mixed-precision products (gemm_bf16_amd64.s,
// gemm_fp16_amd64.s), and every vector loop on
// 16 lanes (unary_amd64.s, attention_amd64.s, reduce_amd64.s,
// optim_amd64.s, groupnorm_amd64.s, elementwise_amd64.s, layernorm_amd64.s).
var avx512Set = &instructionSet{
	name: "avx512",
	gemm: gemmKernel{
		mr: 12, nr: 32,
		kc: 384, mc: 3072, nc: l2Columns(384, 32, 768),
		tile:     asmTile(12, 32, gemmAVX512x12x32),
		tileS:    asmTileS(12, 32, gemmAVX512x12x32S),
		tileI:    asmTileI(12, 32, gemmAVX512x12x32I),
		edgeI:    asmTileI(8, 32, gemmAVX512x8x32I),
		edgeRows: 8,
		addRow:   asmBinaryRow(addRowAVX512),
		pack16:   packAVX512,
		packBF16: asmRound(roundBF16AVX512, 16, roundBF16Go),
		packFP16: asmRound(roundFP16AVX512, 16, roundFP16Go),
		peak:     fmaPeakAVX512, peakFLOP: 16 * 16 * 2,
	},
	gelu: asmUnary(geluAVX512), geluBackward: asmUnaryBackward(geluBackwardAVX512), lanes: 16,
	silu: asmUnary(siluAVX512), siluBackward: asmUnaryBackward(siluBackwardAVX512),
	softmaxRow: softmaxRowAVX512Slice, softmaxGradRow: softmaxGradRowAVX512Slice,
	sumColumns:       sumColumnsAVX512Slice,
	adamW:            adamWAVX512Slice,
	convRows:         convRowsAVX512Slice,
	convRowsAdd:      convRowsAddAVX512Slice,
	padRows:          padRowsAVX512Slice,
	modulatedRowGrad: modulatedRowGradAVX512Slice,
	modulateRow:      modulateRowAVX512Slice,
	groupNorm:        groupNormAVX512,
	binaryRows: &[3]func(out, a, b []float32) int{
		asmBinaryRow(addRowAVX512), asmBinaryRow(subRowAVX512), asmBinaryRow(mulRowAVX512)},
}

// l2Columns is the nc of a kernel of kc steps and nr columns: the most
// columns, a multiple of nr and at most limit, whose kc×nc block of op(B)
// fills at most 60% of one core's L2 cache (limit when cpuid does not know
// the cache). The panels of that block stream past each sliver of A from
// L2 (gemm.go); a block larger than L2 streams from L3 instead. The blocks
// were tuned at nc = 768 on Emerald Rapids (2 MiB of L2, a 1.2 MiB block);
// on Zen 5's 1 MiB of L2 that block ran DiT-S/4's MLP products at 254–287
// (weight gradient) and 286–315 GFLOP/s (input gradient), and nc = 384
// (0.6 MiB) at 298–338 and 340–389, in alternating BenchmarkMatMul runs of
// 2026-12-02, with the other shapes as fast or faster; nc = 512 (0.75 MiB)
// fell in between.
func l2Columns(kc, nr, limit int) int {
	l2 := cpuid.CPU.Cache.L2
	if l2 <= 0 {
		return limit
	}
	nc := int(0.6*float64(l2)) / (4 * kc) / nr * nr
	return max(nr, min(nc, limit))
}

// avx512BF16Set is avx512 with AVX512_BF16's VDPBF16PS for BF16
// products: a 12×32 tile on bfloat16 pairs (gemm_bf16_amd64.s), with the
// float32 kernel's blocks, so that its sums are cut where the emulation's
// are (gemm_bf16.go). Everything else is avx512's.
var avx512BF16Set = func() *instructionSet {
	s := *avx512Set
	s.name = "avx512bf16"
	s.gemmBF16 = &gemmKernel{
		mr: 12, nr: 32,
		kc: s.gemm.kc, mc: s.gemm.mc, nc: s.gemm.nc,
		tile:     asmTile(12, 32, gemmAVX512BF16x12x32),
		pack16:   packAVX512,
		packBF16: bf16PairsAVX512Block,
		pairs:    true,
		peak:     dpbf16Peak, peakFLOP: 16 * 16 * 2 * 2,
	}
	return &s
}()

// avx2Set is AVX2 + FMA: a 6×16 GEMM tile, and the GELU and GroupNorm
// loops on 8 lanes; the other kernels run their Go loops.
var avx2Set = &instructionSet{
	name: "avx2",
	gemm: gemmKernel{
		mr: 6, nr: 16,
		kc: 384, mc: 3072, nc: l2Columns(384, 16, 768),
		tile:     asmTile(6, 16, gemmAVX2x6x16),
		packBF16: asmRound(roundBF16AVX2, 8, roundBF16Go),
		peak:     fmaPeakAVX2, peakFLOP: 14 * 8 * 2,
	},
	gelu: asmUnary(geluAVX2), geluBackward: asmUnaryBackward(geluBackwardAVX2), lanes: 8,
	groupNorm: groupNormAVX2,
}

// instructionSets lists the instruction sets this CPU can run, fastest
// first. cpuid also checks that the operating system saves the vector
// registers. avx512 and avx512bf16 differ only in BF16 products, and which
// is faster depends on the core:
//
//   - On the Emerald Rapids cores measured, VDPBF16PS runs at half the FMA
//     rate (BenchmarkBF16Peak 166 against BenchmarkFMAPeak's 320 GFLOP/s
//     on 2 cores), so avx512's emulation, which rounds the operands while
//     packing and runs the float32 kernel, is about twice as fast, and
//     avx512bf16 runs only when DITGO_CPU_KERNEL names it.
//   - AMD's Zen 5 (family 0x1A) issues VDPBF16PS as fast as an FMA, and
//     each does twice an FMA's work: 840 against 409 GFLOP/s peak, and a
//     BF16 GEMM of 572 and 654 GFLOP/s at 1024³ and 2048³ against the
//     float32 kernel's 334 and 356 (2026-12-01). There avx512bf16 comes
//     first.
//
// The choice is made from the CPU's identity, not timed, so that a run's
// BF16 results do not depend on how busy the machine was at start.
func instructionSets() []*instructionSet {
	var sets []*instructionSet
	bf16 := cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512BF16) // BW for VPERMW
	if bf16 && fastDPBF16() {
		sets = append(sets, avx512BF16Set)
	}
	if cpuid.CPU.Supports(cpuid.AVX512F) {
		sets = append(sets, avx512Set)
	}
	if bf16 && !fastDPBF16() {
		sets = append(sets, avx512BF16Set)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		sets = append(sets, avx2Set)
	}
	return append(sets, genericSet)
}

// fastDPBF16 reports a CPU known to issue VDPBF16PS at the FMA's rate:
// AMD family 0x1A (Zen 5) and later.
func fastDPBF16() bool {
	return cpuid.CPU.VendorID == cpuid.AMD && cpuid.CPU.Family >= 0x1A
}
