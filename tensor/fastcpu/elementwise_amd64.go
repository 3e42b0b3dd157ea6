package fastcpu

// addRowAVX512, subRowAVX512 and mulRowAVX512 (elementwise_amd64.s) are
// out = a + b, a − b and a · b on n values, n a multiple of 16.

//go:noescape
func addRowAVX512(out, a, b *float32, n int)

//go:noescape
func subRowAVX512(out, a, b *float32, n int)

//go:noescape
func mulRowAVX512(out, a, b *float32, n int)

// asmBinaryRow wraps a row loop in instructionSet.binaryRows' slice form:
// the leading multiple of 16 of len(out) values, whose count it returns,
// with bounds checks that keep a wrong call inside its slices.
func asmBinaryRow(f func(out, a, b *float32, n int)) func(out, a, b []float32) int {
	return func(out, a, b []float32) int {
		n := len(out) / 16 * 16
		if n > 0 {
			_, _ = a[n-1], b[n-1]
			f(&out[0], &a[0], &b[0], n)
		}
		return n
	}
}
