package picture

import (
	"fmt"
	"image/color"
)

// The size of the loss chart, in pixels.
const lossWidth, lossHeight = 800, 450

// WriteLoss writes the loss curve of a run, values against steps, as a
// lossWidth×lossHeight PNG: every logged value as a thin grey line and
// their moving average (a centred window of 1/50 of the points, once that
// is more than one) as a thicker blue one, on a logarithmic loss axis — a loss falls by factors,
// and on a linear axis its first steps would flatten the rest. Should a
// value be 0 or negative, the axis is linear instead. NaN and ±Inf are left
// out.
func WriteLoss(path string, steps []int, values []float64) error {
	if len(steps) != len(values) {
		panic(fmt.Sprintf("WriteLoss: %d steps for %d values", len(steps), len(values)))
	}
	var x, y []float64
	logY := true
	for i, v := range values {
		if finite(v) {
			x, y = append(x, float64(steps[i])), append(y, v)
			logY = logY && v > 0
		}
	}
	raw, mean := color.Gray{Y: 0xb0}, color.RGBA{0x10, 0x28, 0x90, 0xff}
	c := Chart{Title: "training loss", XLabel: "step", YLabel: "loss", LogY: logY}
	if window := len(y) / 50; window > 1 {
		c.Series = []Series{
			{Name: "logged", X: x, Y: y, Color: raw},
			{Name: fmt.Sprintf("mean of %d", window), X: x, Y: movingAverage(y, window), Width: 2, Color: mean},
		}
	} else { // too few points to smooth
		c.Series = []Series{{Name: "logged", X: x, Y: y, Width: 2, Color: mean}}
	}
	return c.WritePNG(path, lossWidth, lossHeight)
}

// movingAverage returns the mean of the values within window/2 of each point
// (fewer at the ends), [len(v)], through prefix sums.
func movingAverage(v []float64, window int) []float64 {
	sum := make([]float64, len(v)+1) // sum[i] = v[0] + … + v[i−1]
	for i, x := range v {
		sum[i+1] = sum[i] + x
	}
	out := make([]float64, len(v))
	for i := range v {
		lo, hi := max(0, i-window/2), min(len(v), i+window/2+1)
		out[i] = (sum[hi] - sum[lo]) / float64(hi-lo)
	}
	return out
}
