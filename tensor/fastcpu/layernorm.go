package fastcpu

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// LayerNormModulate on the fast device: tensor.LayerNormModulateRef's
// arithmetic
// in float32, rows split over the cores. The sums run over four
// accumulators, which the CPU can add in parallel (one float64 chain, as in
// the reference, waits for each add); at D ≤ a few thousand their float32
// rounding stays within the op suite's tolerance.
func (d *Device) LayerNormModulate(outB, meanB, rstdB, xB, shiftB, scaleB tensor.Buffer, nB, nT, nD int) {
	out, mean, rstd, x := d.Floats(outB), d.Floats(meanB), d.Floats(rstdB), d.Floats(xB)
	shift, scale := d.Floats(shiftB), d.Floats(scaleB)
	parallelFor(nB*nT, nD, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			b := row / nT
			xr, o := x[row*nD:(row+1)*nD], out[row*nD:(row+1)*nD]
			mu, rs := rowMoments(xr)
			mean[row], rstd[row] = mu, rs
			switch {
			case shift != nil && scale != nil:
				sh, sc := shift[b*nD:(b+1)*nD], scale[b*nD:(b+1)*nD]
				for i, v := range xr {
					o[i] = (v-mu)*rs*(1+sc[i]) + sh[i]
				}
			case scale != nil:
				sc := scale[b*nD : (b+1)*nD]
				for i, v := range xr {
					o[i] = (v - mu) * rs * (1 + sc[i])
				}
			case shift != nil:
				sh := shift[b*nD : (b+1)*nD]
				for i, v := range xr {
					o[i] = (v-mu)*rs + sh[i]
				}
			default:
				for i, v := range xr {
					o[i] = (v - mu) * rs
				}
			}
		}
	})
}

// rowMoments is the mean and 1/√(variance + ε) of one row, the variance
// from a second pass over x − mean.
func rowMoments(xr []float32) (mu, rs float32) {
	n := len(xr)
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += xr[i]
		s1 += xr[i+1]
		s2 += xr[i+2]
		s3 += xr[i+3]
	}
	for ; i < n; i++ {
		s0 += xr[i]
	}
	mu = (s0 + s1 + s2 + s3) / float32(n)
	s0, s1, s2, s3 = 0, 0, 0, 0
	for i = 0; i+4 <= n; i += 4 {
		a, b, c, e := xr[i]-mu, xr[i+1]-mu, xr[i+2]-mu, xr[i+3]-mu
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += e * e
	}
	for ; i < n; i++ {
		a := xr[i] - mu
		s0 += a * a
	}
	return mu, float32(1 / math.Sqrt(float64((s0+s1+s2+s3)/float32(n))+tensor.LayerNormEps))
}

// LayerNormModulateBackward on the fast device, one sample per task: for
// each token row, g = dout·(1 + scale) and
//
//	dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),   x̂ = (x − mean)·rstd,
//
// while dshift += dout and dscale += dout·x̂ are summed down the sample's
// rows into their outputs — whole rows at a time, instead of the
// reference's walk down columns.
func (d *Device) LayerNormModulateBackward(dxB, dshiftB, dscaleB, doutB, xB, scaleB, meanB, rstdB tensor.Buffer, nB, nT, nD int) {
	dx, dshift, dscale, dout := d.Floats(dxB), d.Floats(dshiftB), d.Floats(dscaleB), d.Floats(doutB)
	x, scale, mean, rstd := d.Floats(xB), d.Floats(scaleB), d.Floats(meanB), d.Floats(rstdB)
	parallelFor(nB, nT*nD, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			var sc, ds, dc []float32
			if scale != nil {
				sc = scale[b*nD : (b+1)*nD]
			}
			if dshift != nil {
				ds = dshift[b*nD : (b+1)*nD]
				clear(ds)
			}
			if dscale != nil {
				dc = dscale[b*nD : (b+1)*nD]
				clear(dc)
			}
			for t := range nT {
				row := b*nT + t
				mu, rs := mean[row], rstd[row]
				g, xr, o := dout[row*nD:(row+1)*nD], x[row*nD:(row+1)*nD], dx[row*nD:(row+1)*nD]
				// The two means, over four accumulators each.
				var m0, m1, m2, m3, q0, q1, q2, q3 float32
				i := 0
				if sc != nil {
					for ; i+4 <= nD; i += 4 {
						gg, ss, xx := g[i:i+4:i+4], sc[i:i+4:i+4], xr[i:i+4:i+4] // one bounds check each
						g0, g1, g2, g3 := gg[0]*(1+ss[0]), gg[1]*(1+ss[1]), gg[2]*(1+ss[2]), gg[3]*(1+ss[3])
						m0, m1, m2, m3 = m0+g0, m1+g1, m2+g2, m3+g3
						q0 += g0 * (xx[0] - mu)
						q1 += g1 * (xx[1] - mu)
						q2 += g2 * (xx[2] - mu)
						q3 += g3 * (xx[3] - mu)
					}
				} else {
					for ; i+4 <= nD; i += 4 {
						m0, m1, m2, m3 = m0+g[i], m1+g[i+1], m2+g[i+2], m3+g[i+3]
						q0 += g[i] * (xr[i] - mu)
						q1 += g[i+1] * (xr[i+1] - mu)
						q2 += g[i+2] * (xr[i+2] - mu)
						q3 += g[i+3] * (xr[i+3] - mu)
					}
				}
				for ; i < nD; i++ {
					gi := g[i]
					if sc != nil {
						gi *= 1 + sc[i]
					}
					m0 += gi
					q0 += gi * (xr[i] - mu)
				}
				gMean := (m0 + m1 + m2 + m3) / float32(nD)
				gxMean := (q0 + q1 + q2 + q3) * rs / float32(nD)
				if ds != nil && dc != nil && sc != nil { // a DiT block's: every output
					done := 0
					if d.set.modulatedRowGrad != nil {
						done = d.set.modulatedRowGrad(o, ds, dc, g, xr, sc, mu, rs, gMean, gxMean)
					}
					modulatedRowGrad(o[done:], ds[done:], dc[done:], g[done:], xr[done:], sc[done:], mu, rs, gMean, gxMean)
					continue
				}
				for i, v := range xr {
					xh := (v - mu) * rs
					gi := g[i]
					if ds != nil {
						ds[i] += gi
					}
					if dc != nil {
						dc[i] += gi * xh
					}
					if sc != nil {
						gi *= 1 + sc[i]
					}
					o[i] = rs * (gi - gMean - xh*gxMean)
				}
			}
		}
	})
}

// modulatedRowGrad is the last pass over a row of LayerNormModulateBackward
// when it has a scale and wants both parameter gradients, with the same
// arithmetic as the general loop but no test in the loop and slices the
// compiler can see are as long as xr, so no bounds checks either. The
// kernel was 3.6% of a DiT-S/4 training step. At DiT-S/2's shape,
// 32 × 256 × 384, this loop took it from 6.46 ms to 4.45, and reading the
// first pass's quads as sub-slices of four (one bounds check each) to 3.24
// (BenchmarkLayerNormModulate, medians of 5). The instruction set's
// modulatedRowGrad does the same in vector registers.
func modulatedRowGrad(o, ds, dc, g, xr, sc []float32, mu, rs, gMean, gxMean float32) {
	n := len(xr)
	o, ds, dc, g, sc = o[:n], ds[:n], dc[:n], g[:n], sc[:n]
	for i, v := range xr {
		xh := (v - mu) * rs
		gi := g[i]
		ds[i] += gi
		dc[i] += gi * xh
		o[i] = rs * (gi*(1+sc[i]) - gMean - xh*gxMean)
	}
}
