package fastcpu

// sumColumnsF64AVX512 (reduce_amd64.s) adds, for each of cols columns (a
// multiple of 16), the rows of x, stride floats apart, into acc in float64.
//
//go:noescape
func sumColumnsF64AVX512(acc *float64, x *float32, cols, rows, stride int)

// sumColumnsAVX512Slice is instructionSet.sumColumns: it takes the leading
// multiple of 16 of the len(acc) columns.
func sumColumnsAVX512Slice(acc []float64, x []float32, rows, stride int) int {
	cols := len(acc) / 16 * 16
	if cols > 0 && rows > 0 {
		_ = x[(rows-1)*stride+cols-1]
		sumColumnsF64AVX512(&acc[0], &x[0], cols, rows, stride)
	}
	return cols
}
