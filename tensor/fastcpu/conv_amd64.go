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

//go:noescape
func padRowsAVX512(dst, src *float32, rows, ldd, lds, lo int, lm0, lm1, lm2, sm0, sm1, sm2 uint16)

// padRowsAVX512Slice is padRows (conv_gather.go) on AVX-512, for rows of
// ldd ≤ 48 floats: the mask lm holds the lanes [lo, lo+n) of a row that
// come from src, sm all ldd lanes, each cut into three 16-lane masks.
// padRows has checked the bounds.
func padRowsAVX512Slice(dst, src []float32, ldd, lds, lo, n int) {
	lm, sm := uint64(1<<n-1)<<lo, uint64(1<<ldd-1)
	padRowsAVX512(&dst[0], &src[0], len(dst)/ldd, ldd, lds, lo,
		uint16(lm), uint16(lm>>16), uint16(lm>>32), uint16(sm), uint16(sm>>16), uint16(sm>>32))
}
