package fastcpu

import (
	"github.com/ditgo/ditgo/tensor"
)

// LayerNormModulate on the fast device: tensor.LayerNormModulateRef's
// arithmetic in float32, rows split over the cores. A row's mean and
// variance are groupMoments' (groupnorm.go): blocks of float32 sums added
// in float64, in the instruction set's vector loops where it has them.
// The row is then modulated in the instruction set's modulateRow. With
// those loops and the backward pass's (below), BenchmarkLayerNormModulate
// on the Zen 5 machine at DiT-S/2's shape (32 × 256 × 384) went from
// 7.1–8.1 to 23.6–24.4 GB/s forward and from 7.1–8.6 to 23.8–26.5
// backward; at DiT-Tiny's 192 (a block and a half) from 7.1–7.6 to 9.3–9.5
// and from 7.5–8.3 to 14–18 (alternating runs, 2026-12-02). The sums had
// run over four float32 accumulators, in Go.
func (d *Device) LayerNormModulate(outB, meanB, rstdB, xB, shiftB, scaleB tensor.Buffer, nB, nT, nD int) {
	out, mean, rstd, x := d.Floats(outB), d.Floats(meanB), d.Floats(rstdB), d.Floats(xB)
	shift, scale := d.Floats(shiftB), d.Floats(scaleB)
	parallelFor(nB*nT, nD, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			b := row / nT
			xr, o := x[row*nD:(row+1)*nD], out[row*nD:(row+1)*nD]
			mu, rs := groupMoments(xr, tensor.LayerNormEps, d.set.groupNorm)
			mean[row], rstd[row] = mu, rs
			switch {
			case shift != nil && scale != nil:
				sh, sc := shift[b*nD:(b+1)*nD], scale[b*nD:(b+1)*nD]
				i := 0
				if d.set.modulateRow != nil {
					i = d.set.modulateRow(o, xr, sh, sc, mu, rs)
				}
				modulateRow(o[i:], xr[i:], sh[i:], sc[i:], mu, rs)
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

// modulateRow is LayerNormModulate's row with both shift and scale:
// o = (x − mu)·rs·(1 + sc) + sh. The instruction set's modulateRow does
// the same in vector registers.
func modulateRow(o, xr, sh, sc []float32, mu, rs float32) {
	o, sh, sc = o[:len(xr)], sh[:len(xr)], sc[:len(xr)]
	for i, v := range xr {
		o[i] = (v-mu)*rs*(1+sc[i]) + sh[i]
	}
}

// LayerNormModulateBackward on the fast device, one sample per task: for
// each token row, g = dout·(1 + scale) and
//
//	dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),   x̂ = (x − mean)·rstd,
//
// while dshift += dout and dscale += dout·x̂ are summed down the sample's
// rows into their outputs — whole rows at a time, instead of the
// reference's walk down columns. The two means are summed as GroupNorm's
// channel sums (channelSums, in the vector loops), and the last pass is
// modulatedRowGrad (in the instruction set's loop where it has one).
func (d *Device) LayerNormModulateBackward(dxB, dshiftB, dscaleB, doutB, xB, scaleB, meanB, rstdB tensor.Buffer, nB, nT, nD int) {
	dx, dshift, dscale, dout := d.Floats(dxB), d.Floats(dshiftB), d.Floats(dscaleB), d.Floats(doutB)
	x, scale, mean, rstd := d.Floats(xB), d.Floats(scaleB), d.Floats(meanB), d.Floats(rstdB)
	parallelFor(nB, nT*nD, func(lo, hi int) {
		gbuf, onePlus := make([]float32, nD), make([]float32, nD) // a row of g; 1 + scale
		for b := lo; b < hi; b++ {
			var sc, ds, dc []float32
			if scale != nil {
				sc = scale[b*nD : (b+1)*nD]
				for i, v := range sc {
					onePlus[i] = 1 + v
				}
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
				// The two means, of g = dout·(1 + scale) and of g·(x − mean),
				// summed as GroupNorm's channel sums are (channelSums).
				gs := g
				if sc != nil {
					gs = gbuf
					d.binaryRow(tensor.OpMul, gs, g, onePlus)
				}
				s1, sxd := channelSums(gs, xr, mu, d.set.groupNorm)
				gMean := float32(s1 / float64(nD))
				gxMean := float32(sxd * float64(rs) / float64(nD))
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
