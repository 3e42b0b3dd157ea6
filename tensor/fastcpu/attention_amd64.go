package fastcpu

import "math"

// softmaxRowAVX512 and softmaxGradRowAVX512 (attention_amd64.s) are the
// row loops of the fast attention, softmaxRow and softmaxGradRow
// (attention.go), for a row of any length n ≥ 1.
//
//go:noescape
func softmaxRowAVX512(row *float32, n int, scale float32) (m, sum float32)

//go:noescape
func softmaxGradRowAVX512(p, ds *float32, n int, scale, lse float32)

// softmaxRowAVX512Slice is instructionSet.softmaxRow: the assembly returns
// the maximum and the sum, and the log-sum-exp is formed here.
func softmaxRowAVX512Slice(row []float32, scale float32) float32 {
	m, sum := softmaxRowAVX512(&row[0], len(row), scale)
	return m + float32(math.Log(float64(sum)))
}

// softmaxGradRowAVX512Slice is instructionSet.softmaxGradRow.
func softmaxGradRowAVX512Slice(p, ds []float32, scale, lse float32) {
	_ = ds[len(p)-1]
	softmaxGradRowAVX512(&p[0], &ds[0], len(p), scale, lse)
}
