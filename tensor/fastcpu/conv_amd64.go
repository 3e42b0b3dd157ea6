package fastcpu

// The convolution's gather in assembly (conv_amd64.s).

//go:noescape
func convRowsAVX512(dst, src *float32, offs *int, kc, n, ldd int)

// convRowsAVX512Slice is copyRows (conv_gather.go) on AVX-512, for n ≤ 32;
// copyRows has checked the bounds.
func convRowsAVX512Slice(dst, src []float32, offs []int, n, ldd int) {
	convRowsAVX512(&dst[0], &src[0], &offs[0], len(offs), n, ldd)
}
