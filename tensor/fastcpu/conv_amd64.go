package fastcpu

// The convolution's gather in assembly (conv_amd64.s).

//go:noescape
func convRowsAVX512(dst, src *float32, offs *int, kc int, lo, hi uint16, ldd int)

// convRowsAVX512Slice is copyRows (conv_gather.go) on AVX-512, for n ≤ 32
// lanes: the first min(n, 16) in the mask lo, the rest in hi. copyRows has
// checked the bounds.
func convRowsAVX512Slice(dst, src []float32, offs []int, n, ldd int) {
	first := min(n, 16)
	lo, hi := uint16(1<<first-1), uint16(1<<(n-first)-1)
	convRowsAVX512(&dst[0], &src[0], &offs[0], len(offs), lo, hi, ldd)
}

//go:noescape
func convRowsAddAVX512(dst, src *float32, offs *int, kc int, lo, hi uint16, ldd int, add float32)

// convRowsAddAVX512Slice is copyRowsAdd on AVX-512, for n ≤ 32 lanes, as
// convRowsAVX512Slice is copyRows.
func convRowsAddAVX512Slice(dst, src []float32, offs []int, n, ldd int, add float32) {
	first := min(n, 16)
	lo, hi := uint16(1<<first-1), uint16(1<<(n-first)-1)
	convRowsAddAVX512(&dst[0], &src[0], &offs[0], len(offs), lo, hi, ldd, add)
}
