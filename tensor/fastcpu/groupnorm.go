package fastcpu

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// GroupNorm on the fast device: tensor.GroupNormRef's arithmetic, one
// (sample, group) per task, the tasks split over the cores. A group's
// channels are consecutive in NCHW, so each group is one contiguous span of
// C/G·HW floats. Its statistics are summed in float64: a group is far
// longer than a LayerNorm row (16 channels × 64 × 64 = 65536 values in the
// U-Net at 64 px, a million in the VAE), too long for float32 sums to stay
// within a few ulps; Go's scalar loops convert and add a float64 as fast as
// they add a float32, so it costs almost nothing (BenchmarkGroupNorm). The
// output then folds the affine and the modulation into two numbers per
// channel,
//
//	out = (x − mean)·m + a,   m = rstd·gamma·(1 + scale),   a = beta·(1 + scale) + shift,
//
// one subtract and one multiply-add per element.
func (d *Device) GroupNorm(outB, meanB, rstdB, xB, gammaB, betaB, shiftB, scaleB tensor.Buffer, a tensor.GroupNormArgs) {
	out, mean, rstd, x := d.Floats(outB), d.Floats(meanB), d.Floats(rstdB), d.Floats(xB)
	gamma, beta, shift, scale := d.Floats(gammaB), d.Floats(betaB), d.Floats(shiftB), d.Floats(scaleB)
	cg := a.C / a.Groups
	n := cg * a.HW
	parallelFor(a.B*a.Groups, n, func(lo, hi int) {
		for bg := lo; bg < hi; bg++ {
			b, g := bg/a.Groups, bg%a.Groups
			mu, rs := groupMoments(x[bg*n:(bg+1)*n], a.Eps)
			mean[bg], rstd[bg] = mu, rs
			for k := range cg {
				c := g*cg + k
				m, add := rs*gamma[c], beta[c]
				if scale != nil {
					f := 1 + scale[b*a.C+c]
					m, add = m*f, add*f
				}
				if shift != nil {
					add += shift[b*a.C+c]
				}
				row := (b*a.C + c) * a.HW
				xr, o := x[row:row+a.HW], out[row:row+a.HW]
				for i, v := range xr {
					o[i] = (v-mu)*m + add
				}
			}
		}
	})
}

// groupMoments is the mean and 1/√(variance + eps) of one group, summed in
// float64 over four accumulators (which the CPU adds in parallel), the
// variance from a second pass over x − mean.
func groupMoments(x []float32, eps float32) (mu, rs float32) {
	n := len(x)
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < n; i++ {
		s0 += float64(x[i])
	}
	m := (s0 + s1 + s2 + s3) / float64(n)
	s0, s1, s2, s3 = 0, 0, 0, 0
	for i = 0; i+4 <= n; i += 4 {
		a, b, c, e := float64(x[i])-m, float64(x[i+1])-m, float64(x[i+2])-m, float64(x[i+3])-m
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += e * e
	}
	for ; i < n; i++ {
		a := float64(x[i]) - m
		s0 += a * a
	}
	return float32(m), float32(1 / math.Sqrt((s0+s1+s2+s3)/float64(n)+float64(eps)))
}

// GroupNormBackward on the fast device. Every gradient comes from two sums
// per (sample, channel), formed in one read of dout and x:
//
//	S1[b,c] = Σ_p dout,   S2[b,c] = Σ_p dout·x̂
//
// and then, with s = 1 + scale[b,c] and k = s·gamma[c] (so that the
// gradient reaching x̂ is dout·k):
//
//	dshift = S1,   dscale = gamma·S2 + beta·S1
//	dbeta[c] = Σ_b s·S1,   dgamma[c] = Σ_b s·S2
//	dx = rstd·(k·dout − M1 − x̂·M2),   M1 = Σ_{c∈g} k·S1 / n,   M2 = Σ_{c∈g} k·S2 / n
//
// which is tensor.GroupNormBackwardRef with its group means written as sums
// of the channel sums. One (sample, group) per task; S1 and S2 wait in a
// float64 table, and the sums over the samples for dgamma and dbeta run
// after the tasks, in sample order, so the result does not depend on the
// number of cores.
func (d *Device) GroupNormBackward(dxB, dgammaB, dbetaB, dshiftB, dscaleB, doutB, xB, gammaB, betaB, scaleB, meanB, rstdB tensor.Buffer, a tensor.GroupNormArgs) {
	dx, dgamma, dbeta, dshift, dscale := d.Floats(dxB), d.Floats(dgammaB), d.Floats(dbetaB), d.Floats(dshiftB), d.Floats(dscaleB)
	dout, x, gamma, beta, scale := d.Floats(doutB), d.Floats(xB), d.Floats(gammaB), d.Floats(betaB), d.Floats(scaleB)
	mean, rstd := d.Floats(meanB), d.Floats(rstdB)
	cg := a.C / a.Groups
	n := cg * a.HW
	s := func(b, c int) float32 {
		if scale == nil {
			return 1
		}
		return 1 + scale[b*a.C+c]
	}
	sums := make([]float64, 2*a.B*a.C) // S1, S2 of every (b, c)
	parallelFor(a.B*a.Groups, 2*n, func(lo, hi int) {
		for bg := lo; bg < hi; bg++ {
			b, g := bg/a.Groups, bg%a.Groups
			mu, rs := mean[bg], rstd[bg]
			var m1, m2 float64
			for c := g * cg; c < (g+1)*cg; c++ {
				row := (b*a.C + c) * a.HW
				s1, sxd := channelSums(dout[row:row+a.HW], x[row:row+a.HW], mu)
				s2 := sxd * float64(rs)
				sums[2*(b*a.C+c)], sums[2*(b*a.C+c)+1] = s1, s2
				if dshift != nil {
					dshift[b*a.C+c] = float32(s1)
				}
				if dscale != nil {
					dscale[b*a.C+c] = float32(float64(gamma[c])*s2 + float64(beta[c])*s1)
				}
				k := float64(s(b, c) * gamma[c])
				m1 += k * s1
				m2 += k * s2
			}
			m1 /= float64(n)
			m2 /= float64(n)
			// dx = (rstd·k)·dout − (rstd²·M2)·(x − mean) − rstd·M1
			slope, offset := float32(float64(rs)*float64(rs)*m2), float32(float64(rs)*m1)
			for c := g * cg; c < (g+1)*cg; c++ {
				row := (b*a.C + c) * a.HW
				kr := rs * s(b, c) * gamma[c]
				gr, xr, o := dout[row:row+a.HW], x[row:row+a.HW], dx[row:row+a.HW]
				for i, v := range xr {
					o[i] = kr*gr[i] - slope*(v-mu) - offset
				}
			}
		}
	})
	for c := range a.C {
		var db, dg float64
		for b := range a.B {
			f := float64(s(b, c))
			db += f * sums[2*(b*a.C+c)]
			dg += f * sums[2*(b*a.C+c)+1]
		}
		if dbeta != nil {
			dbeta[c] = float32(db)
		}
		if dgamma != nil {
			dgamma[c] = float32(dg)
		}
	}
}

// channelSums returns Σ dout and Σ dout·(x − mu) over one channel, in
// float64 over two accumulators each.
func channelSums(dout, x []float32, mu float32) (s1, sxd float64) {
	var a0, a1, q0, q1 float64
	n := len(x)
	i := 0
	for ; i+2 <= n; i += 2 {
		g0, g1 := float64(dout[i]), float64(dout[i+1])
		a0 += g0
		a1 += g1
		q0 += g0 * float64(x[i]-mu)
		q1 += g1 * float64(x[i+1]-mu)
	}
	for ; i < n; i++ {
		g := float64(dout[i])
		a0 += g
		q0 += g * float64(x[i]-mu)
	}
	return a0 + a1, q0 + q1
}
