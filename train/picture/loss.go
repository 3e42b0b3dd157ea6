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

// LossCurve is one run's logged losses, for WriteLosses.
type LossCurve struct {
	Name   string // the legend entry
	Steps  []int
	Values []float64
}

// WriteLosses writes the loss curves of several runs in one
// lossWidth×lossHeight chart, to compare them: for each run the moving
// average of its logged values (a centred window of 1/50 of the longest
// run's points, the same for every run),
// on a logarithmic loss axis unless a value is 0 or negative. The raw
// values are left out: two runs' noise would hide the difference between
// their means. NaN and ±Inf are left out. The PNG is marked as kind (see
// Made).
func WriteLosses(path, kind string, curves []LossCurve) error {
	c := Chart{Title: "training loss (moving average)", XLabel: "step", YLabel: "loss", LogY: true, Kind: kind}
	window := 0
	for _, lc := range curves {
		window = max(window, len(lc.Values)/50)
	}
	for _, lc := range curves {
		if len(lc.Steps) != len(lc.Values) {
			panic(fmt.Sprintf("WriteLosses: %s has %d steps for %d values", lc.Name, len(lc.Steps), len(lc.Values)))
		}
		var x, y []float64
		for i, v := range lc.Values {
			if finite(v) {
				x, y = append(x, float64(lc.Steps[i])), append(y, v)
				c.LogY = c.LogY && v > 0
			}
		}
		if window > 1 {
			y = movingAverage(y, window)
		}
		c.Series = append(c.Series, Series{Name: lc.Name, X: x, Y: y, Width: 2})
	}
	return c.WritePNG(path, lossWidth, lossHeight)
}
