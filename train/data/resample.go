package data

import "math"

// resizeCrop scales plane [h, w] by s = size/min(w, h), so that its shorter
// side becomes size, and returns the centred size×size window, [size, size].
// It is separable: rows first, then columns, each through resampleTaps.
func resizeCrop(plane []float64, w, h, size int) []float64 {
	s := float64(size) / float64(min(w, h))
	xs := resampleTaps(w, size, s)
	ys := resampleTaps(h, size, s)

	rows := make([]float64, h*size) // [h, size]: each row resampled
	for y := range h {
		for x, taps := range xs {
			var v float64
			for _, t := range taps {
				v += t.weight * plane[y*w+t.index]
			}
			rows[y*size+x] = v
		}
	}
	out := make([]float64, size*size) // [size, size]: then each column
	for y, taps := range ys {
		for x := range size {
			var v float64
			for _, t := range taps {
				v += t.weight * rows[t.index*size+x]
			}
			out[y*size+x] = v
		}
	}
	return out
}

// tap is one source sample's weight in an output sample.
type tap struct {
	index  int
	weight float64
}

// resampleTaps returns, for each of the out samples of the centred window of
// a line of in samples scaled by s, the source samples it mixes. The scaled
// line is in·s long; the window starts at off = (in·s − out)/2 (0 on the
// shorter side), so output i covers the source interval
// [(i+off)/s, (i+1+off)/s).
//
// Downscaling (s ≤ 1) averages that interval, each source sample weighted by
// how much of it lies inside (a box filter): every source pixel counts, so
// thin strokes do not vanish. Upscaling (s > 1) interpolates linearly between
// the two samples nearest the interval's centre (bilinear, with the edges
// clamped).
func resampleTaps(in, out int, s float64) [][]tap {
	off := (float64(in)*s - float64(out)) / 2
	taps := make([][]tap, out)
	for i := range taps {
		if s <= 1 {
			lo := (float64(i) + off) / s
			hi := (float64(i) + 1 + off) / s
			for j := max(0, int(math.Floor(lo))); j < min(in, int(math.Ceil(hi))); j++ {
				overlap := math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))
				if overlap > 0 {
					taps[i] = append(taps[i], tap{j, overlap * s}) // weights sum to (hi−lo)·s = 1
				}
			}
		} else {
			c := (float64(i)+0.5+off)/s - 0.5 // the interval's centre, in source sample coordinates
			j := math.Floor(c)
			f := c - j
			clamp := func(k int) int { return max(0, min(in-1, k)) }
			taps[i] = []tap{{clamp(int(j)), 1 - f}, {clamp(int(j) + 1), f}}
		}
	}
	return taps
}
