package fastcpu

// The bfloat16 loops and micro-kernel of gemm_bf16_amd64.s (see
// gemm_bf16.go for how a BF16 product uses them).

// roundBF16AVX512 and roundBF16AVX2 round n floats in place to bfloat16 as
// tensor.RoundBF16 does, n a multiple of 16 (8).
//
//go:noescape
func roundBF16AVX512(x *float32, n int)

//go:noescape
func roundBF16AVX2(x *float32, n int)

// asmRound wraps a rounding loop of lanes lanes as a packBF16 of the
// emulation (or a packFP16): the loop takes the leading multiple of lanes
// of the block's kc·w floats, tail (the Go loop) the rest.
func asmRound(round func(x *float32, n int), lanes int, tail func([]float32)) func(block []float32, kc, w int) {
	return func(block []float32, kc, w int) {
		x := block[:kc*w]
		n := len(x) / lanes * lanes
		if n > 0 {
			round(&x[0], n)
		}
		tail(x[n:])
	}
}

// bf16PairsAVX512 packs a block of kc rows of w floats in place into
// ⌈kc/2⌉ rows of w words of bfloat16 pairs: word q*w+i holds row 2q's value
// in its high half and row 2q+1's (0 past kc) in its low half.
//
//go:noescape
func bf16PairsAVX512(block *float32, kc, w int)

// bf16PairsAVX512Block is the packBF16 of the VDPBF16PS kernel.
func bf16PairsAVX512Block(block []float32, kc, w int) {
	if kc > 0 && w > 0 {
		_ = block[kc*w-1]
		bf16PairsAVX512(&block[0], kc, w)
	}
}

// gemmAVX512BF16x12x32 is the 12×32 micro-kernel on bfloat16 pairs:
// gemmTileGo's contract, with a and b packed by bf16PairsAVX512 (⌈kc/2⌉
// rows of 12 and 32 words), kc counting steps of k.
//
//go:noescape
func gemmAVX512BF16x12x32(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)

// dpbf16Peak runs n iterations of 16 independent VDPBF16PS on 16 lanes,
// 1024 FLOP, with no memory traffic: the bfloat16 kernel's peak.
func dpbf16Peak(n int)
