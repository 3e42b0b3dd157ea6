package tensor

import (
	"fmt"
	"math"
)

// GroupNormEps is the ε of PyTorch's nn.GroupNorm, which the ADM U-Net and
// the Stable Diffusion VAE use.
const GroupNormEps = 1e-5

// GroupNorm is group normalisation (Wu & He, 2018) with its learned affine
// and, optionally, ADM's scale-shift modulation from the timestep embedding
// (use_scale_shift_norm), fused into one kernel:
//
//	x̂[b,c,·]   = (x[b,c,·] − mean[b,g])·rstd[b,g]          g = c / (C/G)
//	out[b,c,·] = (x̂·gamma[c] + beta[c])·(1 + scale[b,c]) + shift[b,c]
//
// The C channels fall into G = groups groups of C/G consecutive channels,
// and mean and rstd = 1/√(variance + eps) are taken over each (sample,
// group): C/G channels × every spatial position. shift and scale hold one
// value per (sample, channel) and broadcast over the positions; either may
// be nil (zero), so GroupNorm(x, gamma, beta, nil, nil, g, eps) is PyTorch's
// nn.GroupNorm(g, C, eps).
//
// Why fused: made of the elementwise and reduction kernels, the statistics,
// the normalisation, the affine (a multiply and an add) and the modulation
// (another two) would be eight or more kernels, each reading and writing a
// tensor as large as x, and autodiff would keep every intermediate for the
// backward. The fused kernel reads each group three times (mean, variance,
// output; at U-Net sizes a group stays in cache between them), writes out
// once and keeps only mean and rstd; its backward forms every gradient from
// two sums per (sample, channel), in one kernel too.
//
//	x:             [B, C, H, W] (any spatial axes: [B, C, ...]; none is HW = 1)
//	gamma, beta:   [C]
//	shift, scale:  [B, C] or nil
//	out:           x's shape
//	mean, rstd:    [B, G]   saved for the backward pass
//
// eps is usually GroupNormEps.
func GroupNorm(x, gamma, beta, shift, scale *Tensor, groups int, eps float32) (out, mean, rstd *Tensor) {
	return groupNorm("GroupNorm", x, gamma, beta, shift, scale, groups, eps, false)
}

// groupNorm is GroupNorm, and GroupNormSiLU with silu.
func groupNorm(op string, x, gamma, beta, shift, scale *Tensor, groups int, eps float32, silu bool) (out, mean, rstd *Tensor) {
	dev := mustSameDevice(op, x, gamma, beta, shift, scale)
	mustFloat(op, x, gamma, beta, shift, scale)
	args := mustGroupNormShapes(op, x, gamma, beta, shift, scale, groups)
	if !(eps > 0) {
		panic(fmt.Sprintf("tensor.%s: eps %v, want > 0 (GroupNormEps is PyTorch's 1e-5)", op, eps))
	}
	args.Eps, args.SiLU = eps, silu
	out, mean, rstd = New(dev, x.shape...), New(dev, args.B, groups), New(dev, args.B, groups)
	dev.GroupNorm(out.buf, mean.buf, rstd.buf, x.buf, gamma.buf, beta.buf, buf(shift), buf(scale), args)
	return out, mean, rstd
}

// GroupNormSiLU is SiLU(GroupNorm(x, ...)), the pair that opens every
// ResBlock of a U-Net and of the SD VAE, in one kernel:
//
//	out = h·σ(h),   h = GroupNorm(x, gamma, beta, shift, scale, groups, eps)
//
// Apart, the SiLU reads and writes a tensor as large as x again, and
// autodiff keeps h for the SiLU's backward; fused, h is never stored, and
// GroupNormSiLUBackward recomputes it from x and the saved mean and rstd.
func GroupNormSiLU(x, gamma, beta, shift, scale *Tensor, groups int, eps float32) (out, mean, rstd *Tensor) {
	return groupNorm("GroupNormSiLU", x, gamma, beta, shift, scale, groups, eps, true)
}

// GroupNormBackward returns the gradients of GroupNorm with respect to x,
// gamma, beta, shift and scale, given the upstream gradient dout and the
// saved mean and rstd. scale is the forward's (nil for none); dshift and
// dscale are nil when withModulation is false.
func GroupNormBackward(dout, x, gamma, beta, scale, mean, rstd *Tensor, groups int, withModulation bool) (dx, dgamma, dbeta, dshift, dscale *Tensor) {
	return groupNormBackward("GroupNormBackward", dout, x, gamma, beta, nil, scale, mean, rstd, groups, withModulation, false)
}

// GroupNormSiLUBackward returns the gradients of GroupNormSiLU, as
// GroupNormBackward returns GroupNorm's, given the upstream gradient of the
// SiLU's output; shift and scale are the forward's (nil for none).
func GroupNormSiLUBackward(dout, x, gamma, beta, shift, scale, mean, rstd *Tensor, groups int, withModulation bool) (dx, dgamma, dbeta, dshift, dscale *Tensor) {
	return groupNormBackward("GroupNormSiLUBackward", dout, x, gamma, beta, shift, scale, mean, rstd, groups, withModulation, true)
}

// groupNormBackward is GroupNormBackward, and GroupNormSiLUBackward with
// silu.
func groupNormBackward(op string, dout, x, gamma, beta, shift, scale, mean, rstd *Tensor, groups int, withModulation, silu bool) (dx, dgamma, dbeta, dshift, dscale *Tensor) {
	dev := mustSameDevice(op, dout, x, gamma, beta, shift, scale, mean, rstd)
	mustFloat(op, dout, x, gamma, beta, shift, scale, mean, rstd)
	mustSameShape(op, dout, x)
	args := mustGroupNormShapes(op, x, gamma, beta, shift, scale, groups)
	if !sameDims(mean.shape, args.B, groups) || !sameDims(rstd.shape, args.B, groups) {
		panic(fmt.Sprintf("tensor.%s: mean %v and rstd %v, want [B, G] = [%d, %d]", op, mean.shape, rstd.shape, args.B, groups))
	}
	args.SiLU = silu
	dx, dgamma, dbeta = New(dev, x.shape...), New(dev, args.C), New(dev, args.C)
	if withModulation {
		dshift, dscale = New(dev, args.B, args.C), New(dev, args.B, args.C)
	}
	dev.GroupNormBackward(dx.buf, dgamma.buf, dbeta.buf, buf(dshift), buf(dscale),
		dout.buf, x.buf, gamma.buf, beta.buf, buf(shift), buf(scale), mean.buf, rstd.buf, args)
	return dx, dgamma, dbeta, dshift, dscale
}

// mustGroupNormShapes checks x [B, C, ...], gamma and beta [C], shift and
// scale [B, C] (or nil) and that groups divides C, and returns the sizes.
func mustGroupNormShapes(op string, x, gamma, beta, shift, scale *Tensor, groups int) GroupNormArgs {
	if x.Rank() < 2 {
		panic(fmt.Sprintf("tensor.%s: x %v, want [B, C, H, W]", op, x.shape))
	}
	b, c := x.Dim(0), x.Dim(1)
	if groups < 1 || c%groups != 0 {
		panic(fmt.Sprintf("tensor.%s: %d groups do not divide the %d channels of x %v; pick a divisor of C", op, groups, c, x.shape))
	}
	for _, p := range []*Tensor{gamma, beta} {
		if p == nil {
			panic(fmt.Sprintf("tensor.%s: gamma and beta are required (for no affine, pass ones and zeros of shape [C] = [%d])", op, c))
		}
		if !sameDims(p.shape, c) {
			panic(fmt.Sprintf("tensor.%s: x %v and gamma or beta %v, want [C] = [%d]", op, x.shape, p.shape, c))
		}
	}
	for _, m := range []*Tensor{shift, scale} {
		if m != nil && !sameDims(m.shape, b, c) {
			panic(fmt.Sprintf("tensor.%s: x %v and modulation %v, want [B, C] = [%d, %d]", op, x.shape, m.shape, b, c))
		}
	}
	return GroupNormArgs{B: b, C: c, HW: numel(x.shape[2:]), Groups: groups}
}

// GroupNormRef computes, for every sample b and group g, whose elements are
// the contiguous span x[b, g·Cg : (g+1)·Cg, :] of n = Cg·HW values
// (Cg = C/G):
//
//	mean[b,g]  = Σ x / n
//	rstd[b,g]  = 1 / √(Σ (x − mean)² / n + ε)
//	out[b,c,p] = ((x[b,c,p] − mean)·rstd·gamma[c] + beta[c])·(1 + scale[b,c]) + shift[b,c]
//
// with the statistics in float64, the variance from a second pass over
// x − mean (E[x²] − mean² loses precision when |mean| ≫ std). A nil shift
// or scale counts as zero.
func GroupNormRef[F Float](out, mean, rstd, x, gamma, beta, shift, scale []F, a GroupNormArgs) {
	cg := a.C / a.Groups
	n := cg * a.HW
	parallelFor(a.B*a.Groups, n, func(lo, hi int) {
		for bg := lo; bg < hi; bg++ {
			b, g := bg/a.Groups, bg%a.Groups
			span := x[bg*n : (bg+1)*n] // the group's channels are consecutive
			var sum float64
			for _, v := range span {
				sum += float64(v)
			}
			mu := sum / float64(n)
			var ss float64
			for _, v := range span {
				ss += (float64(v) - mu) * (float64(v) - mu)
			}
			rs := 1 / math.Sqrt(ss/float64(n)+float64(a.Eps))
			mean[bg], rstd[bg] = F(mu), F(rs)
			for i, v := range span {
				c := g*cg + i/a.HW
				y := (float64(v)-mu)*rs*float64(gamma[c]) + float64(beta[c])
				if scale != nil {
					y *= 1 + float64(scale[b*a.C+c])
				}
				if shift != nil {
					y += float64(shift[b*a.C+c])
				}
				if a.SiLU {
					y /= 1 + math.Exp(-y)
				}
				out[bg*n+i] = F(y)
			}
		}
	})
}

// GroupNormBackwardRef computes the gradients of GroupNormRef. With
// x̂ = (x − mean)·rstd, y = x̂·gamma + beta (the output before the
// modulation), s = 1 + scale[b,c] (1 without scale) and the gradient
// reaching x̂, ĝ = dout·s·gamma[c]:
//
//	dshift[b,c] = Σ_p dout[b,c,p]
//	dscale[b,c] = Σ_p dout[b,c,p]·y[b,c,p]
//	dbeta[c]    = Σ_b Σ_p dout·s
//	dgamma[c]   = Σ_b Σ_p dout·s·x̂
//	dx          = rstd·(ĝ − mean_group(ĝ) − x̂·mean_group(ĝ·x̂))
//
// where mean_group averages over the n = C/G·HW elements of the sample's
// group: x̂ depends on every x of its group through mean and rstd, which is
// where the two subtracted terms come from (the same rule as LayerNorm's,
// over a group instead of a row). With a.SiLU, dout is first multiplied
// by SiLU's derivative at the forward's output before the SiLU,
// h = y·s + shift, recomputed from x. Each output is a float64 sum over its
// own elements in index order; a nil output is skipped.
func GroupNormBackwardRef[F Float](dx, dgamma, dbeta, dshift, dscale, dout, x, gamma, beta, shift, scale, mean, rstd []F, a GroupNormArgs) {
	cg := a.C / a.Groups
	n := cg * a.HW
	s := func(b, c int) float64 {
		if scale == nil {
			return 1
		}
		return 1 + float64(scale[b*a.C+c])
	}
	xhat := func(b, c, p int) float64 {
		bg := b*a.Groups + c/cg
		return (float64(x[(b*a.C+c)*a.HW+p]) - float64(mean[bg])) * float64(rstd[bg])
	}
	if a.SiLU { // dout becomes the gradient reaching the SiLU's input h
		dh := make([]F, len(dout))
		for b := range a.B {
			for c := range a.C {
				for p := range a.HW {
					i := (b*a.C+c)*a.HW + p
					h := (xhat(b, c, p)*float64(gamma[c]) + float64(beta[c])) * s(b, c)
					if shift != nil {
						h += float64(shift[b*a.C+c])
					}
					sg := 1 / (1 + math.Exp(-h))
					dh[i] = F(float64(dout[i]) * sg * (1 + h*(1-sg)))
				}
			}
		}
		dout = dh
	}
	// dx: every (sample, group) is independent.
	parallelFor(a.B*a.Groups, n, func(lo, hi int) {
		for bg := lo; bg < hi; bg++ {
			b, g := bg/a.Groups, bg%a.Groups
			ghat := func(c, p int) float64 { return float64(dout[(b*a.C+c)*a.HW+p]) * s(b, c) * float64(gamma[c]) }
			var gMean, gxMean float64
			for c := g * cg; c < (g+1)*cg; c++ {
				for p := range a.HW {
					gMean += ghat(c, p)
					gxMean += ghat(c, p) * xhat(b, c, p)
				}
			}
			gMean /= float64(n)
			gxMean /= float64(n)
			for c := g * cg; c < (g+1)*cg; c++ {
				for p := range a.HW {
					dx[(b*a.C+c)*a.HW+p] = F(float64(rstd[bg]) * (ghat(c, p) - gMean - xhat(b, c, p)*gxMean))
				}
			}
		}
	})
	// The per-(sample, channel) sums of the modulation.
	for b := range a.B {
		for c := range a.C {
			var ds, dc float64
			for p := range a.HW {
				o := float64(dout[(b*a.C+c)*a.HW+p])
				ds += o
				dc += o * (xhat(b, c, p)*float64(gamma[c]) + float64(beta[c]))
			}
			if dshift != nil {
				dshift[b*a.C+c] = F(ds)
			}
			if dscale != nil {
				dscale[b*a.C+c] = F(dc)
			}
		}
	}
	// The per-channel sums of the affine, over the samples too.
	for c := range a.C {
		var db, dg float64
		for b := range a.B {
			for p := range a.HW {
				o := float64(dout[(b*a.C+c)*a.HW+p]) * s(b, c)
				db += o
				dg += o * xhat(b, c, p)
			}
		}
		if dbeta != nil {
			dbeta[c] = F(db)
		}
		if dgamma != nil {
			dgamma[c] = F(dg)
		}
	}
}
