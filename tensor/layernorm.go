package tensor

import (
	"fmt"
	"math"
)

// LayerNormEps is the ε of every LayerNorm in DiT.
const LayerNormEps = 1e-6

// LayerNormModulate is adaLN's fused normalise-then-modulate step:
//
//	out[b,t,:] = LN(x[b,t,:])·(1 + scale[b,:]) + shift[b,:]
//
// where LN has no learned affine parameters and ε = 1e-6. shift and scale
// hold one vector per sample and broadcast over the tokens; either may be nil
// (zero), so LayerNormModulate(x, nil, nil) is a plain LayerNorm.
//
//	x:          [B, T, D]
//	shift:      [B, D] or nil
//	scale:      [B, D] or nil
//	out:        [B, T, D]
//	mean, rstd: [B, T]   saved for the backward pass
func LayerNormModulate(x, shift, scale *Tensor) (out, mean, rstd *Tensor) {
	dev := mustSameDevice("LayerNormModulate", x, shift, scale)
	mustFloat("LayerNormModulate", x, shift, scale)
	mustLNShapes("LayerNormModulate", x, shift, scale)
	b, t, d := x.Dim(0), x.Dim(1), x.Dim(2)
	out, mean, rstd = New(dev, b, t, d), New(dev, b, t), New(dev, b, t)
	dev.LayerNormModulate(out.buf, mean.buf, rstd.buf, x.buf, buf(shift), buf(scale), b, t, d)
	return out, mean, rstd
}

// LayerNormModulateBackward returns the gradients of LayerNormModulate with
// respect to x, shift and scale, given the upstream gradient dout and the
// saved mean and rstd. dshift and dscale are nil when withModulation is false.
func LayerNormModulateBackward(dout, x, scale, mean, rstd *Tensor, withModulation bool) (dx, dshift, dscale *Tensor) {
	dev := mustSameDevice("LayerNormModulateBackward", dout, x, scale, mean, rstd)
	mustFloat("LayerNormModulateBackward", dout, x, scale, mean, rstd)
	mustSameShape("LayerNormModulateBackward", dout, x)
	mustLNShapes("LayerNormModulateBackward", x, nil, scale)
	b, t, d := x.Dim(0), x.Dim(1), x.Dim(2)
	if !sameDims(mean.shape, b, t) || !sameDims(rstd.shape, b, t) {
		panic(fmt.Sprintf("tensor.LayerNormModulateBackward: mean %v and rstd %v, want [%d, %d]", mean.shape, rstd.shape, b, t))
	}
	dx = New(dev, b, t, d)
	if withModulation {
		dshift, dscale = New(dev, b, d), New(dev, b, d)
	}
	dev.LayerNormModulateBackward(dx.buf, buf(dshift), buf(dscale), dout.buf, x.buf, buf(scale), mean.buf, rstd.buf, b, t, d)
	return dx, dshift, dscale
}

func mustLNShapes(op string, x, shift, scale *Tensor) {
	if x.Rank() != 3 {
		panic(fmt.Sprintf("tensor.%s: x %v, want [B, T, D]", op, x.shape))
	}
	for _, m := range []*Tensor{shift, scale} {
		if m != nil && !sameDims(m.shape, x.Dim(0), x.Dim(2)) {
			panic(fmt.Sprintf("tensor.%s: x %v and modulation %v, want [B, D] = [%d, %d]", op, x.shape, m.shape, x.Dim(0), x.Dim(2)))
		}
	}
}

// LayerNormModulateRef computes, for every row (b, t):
//
//	mean[b,t] = Σ_d x[b,t,d] / D
//	rstd[b,t] = 1 / √(Σ_d (x[b,t,d] − mean)² / D + ε)
//	out[b,t,d] = (x[b,t,d] − mean)·rstd·(1 + scale[b,d]) + shift[b,d]
//
// with the statistics in float64. A nil shift or scale counts as zero.
func LayerNormModulateRef[F Float](out, mean, rstd, x, shift, scale []F, nB, nT, nD int) {
	parallelFor(nB*nT, nD, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			b := row / nT
			xr := x[row*nD : (row+1)*nD]
			var sum float64
			for _, v := range xr {
				sum += float64(v)
			}
			mu := sum / float64(nD)
			var ss float64
			for _, v := range xr {
				ss += (float64(v) - mu) * (float64(v) - mu)
			}
			rs := 1 / math.Sqrt(ss/float64(nD)+LayerNormEps)
			mean[row], rstd[row] = F(mu), F(rs)
			for d, v := range xr {
				y := (float64(v) - mu) * rs
				if scale != nil {
					y *= 1 + float64(scale[b*nD+d])
				}
				if shift != nil {
					y += float64(shift[b*nD+d])
				}
				out[row*nD+d] = F(y)
			}
		}
	})
}

// LayerNormModulateBackwardRef computes, with x̂ = (x − mean)·rstd and
// g = dout·(1 + scale):
//
//	dshift[b,d] = Σ_t dout[b,t,d]
//	dscale[b,d] = Σ_t dout[b,t,d]·x̂[b,t,d]
//	dx[b,t,d]   = rstd·(g − mean_d(g) − x̂·mean_d(g·x̂))
//
// dshift and dscale are skipped when nil; a nil scale counts as zero.
func LayerNormModulateBackwardRef[F Float](dx, dshift, dscale, dout, x, scale, mean, rstd []F, nB, nT, nD int) {
	xhat := func(row, d int) float64 {
		return (float64(x[row*nD+d]) - float64(mean[row])) * float64(rstd[row])
	}
	// dx: every row is independent.
	parallelFor(nB*nT, nD, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			b := row / nT
			var gMean, gxMean float64
			for d := range nD {
				g := float64(dout[row*nD+d])
				if scale != nil {
					g *= 1 + float64(scale[b*nD+d])
				}
				gMean += g
				gxMean += g * xhat(row, d)
			}
			gMean /= float64(nD)
			gxMean /= float64(nD)
			for d := range nD {
				g := float64(dout[row*nD+d])
				if scale != nil {
					g *= 1 + float64(scale[b*nD+d])
				}
				dx[row*nD+d] = F(float64(rstd[row]) * (g - gMean - xhat(row, d)*gxMean))
			}
		}
	})
	// dshift, dscale: sums over the tokens of each sample.
	if dshift == nil && dscale == nil {
		return
	}
	for b := range nB {
		for d := range nD {
			var ds, dc float64
			for t := range nT {
				row := b*nT + t
				ds += float64(dout[row*nD+d])
				dc += float64(dout[row*nD+d]) * xhat(row, d)
			}
			if dshift != nil {
				dshift[b*nD+d] = F(ds)
			}
			if dscale != nil {
				dscale[b*nD+d] = F(dc)
			}
		}
	}
}
