package fastcpu

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// GroupNorm on the fast device: tensor.GroupNormRef's arithmetic, one
// (sample, group) per task, the tasks split over the cores. A group's
// channels are consecutive in NCHW, so each group is one contiguous span of
// C/G·HW floats, far longer than a LayerNorm row (6 channels × 64×64 =
// 24576 values in ADM's 64-px U-Net, 4 × 512×512 ≈ a million in the SD VAE
// at 512 px), so its statistics are summed in float32 blocks added in
// float64 (groupMoments).
// The output then folds the affine and the modulation into two numbers per
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

// groupMoments is the mean and 1/√(variance + eps) of one group, the
// variance from a second pass over x − mean. Each pass sums blocks of
// momentBlock values in float32, over four accumulators (which the CPU adds
// in parallel), and adds the block sums in float64. A plain float32 sum
// would lose precision as the group grows (its error bound grows with n);
// the blocked sum's stays that of 32 float32 adds however long the group,
// at nearly float32 speed (float64 all the way is 1.4 to 1.7× slower;
// BenchmarkGroupMoments).
func groupMoments(x []float32, eps float32) (mu, rs float32) {
	n := len(x)
	var sum float64
	for lo := 0; lo < n; lo += momentBlock {
		b := x[lo:min(lo+momentBlock, n)]
		var s0, s1, s2, s3 float32
		i := 0
		for ; i+4 <= len(b); i += 4 {
			s0 += b[i]
			s1 += b[i+1]
			s2 += b[i+2]
			s3 += b[i+3]
		}
		for ; i < len(b); i++ {
			s0 += b[i]
		}
		sum += float64((s0 + s1) + (s2 + s3))
	}
	mu = float32(sum / float64(n))
	var ss float64
	for lo := 0; lo < n; lo += momentBlock {
		b := x[lo:min(lo+momentBlock, n)]
		var s0, s1, s2, s3 float32
		i := 0
		for ; i+4 <= len(b); i += 4 {
			d0, d1, d2, d3 := b[i]-mu, b[i+1]-mu, b[i+2]-mu, b[i+3]-mu
			s0 += d0 * d0
			s1 += d1 * d1
			s2 += d2 * d2
			s3 += d3 * d3
		}
		for ; i < len(b); i++ {
			d := b[i] - mu
			s0 += d * d
		}
		ss += float64((s0 + s1) + (s2 + s3))
	}
	return mu, float32(1 / math.Sqrt(ss/float64(n)+float64(eps)))
}

// momentBlock is how many values the fast group norm sums in float32
// before it adds the sum to a float64 total: 32 per accumulator.
const momentBlock = 128

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

// channelSums returns Σ dout and Σ dout·(x − mu) over one channel, summed
// as groupMoments sums: blocks of momentBlock values in float32, over two
// accumulators each, and the block sums in float64.
func channelSums(dout, x []float32, mu float32) (s1, sxd float64) {
	n := len(x)
	for lo := 0; lo < n; lo += momentBlock {
		g, xb := dout[lo:min(lo+momentBlock, n)], x[lo:min(lo+momentBlock, n)]
		var a0, a1, q0, q1 float32
		i := 0
		for ; i+2 <= len(g); i += 2 {
			a0 += g[i]
			a1 += g[i+1]
			q0 += g[i] * (xb[i] - mu)
			q1 += g[i+1] * (xb[i+1] - mu)
		}
		for ; i < len(g); i++ {
			a0 += g[i]
			q0 += g[i] * (xb[i] - mu)
		}
		s1 += float64(a0 + a1)
		sxd += float64(q0 + q1)
	}
	return s1, sxd
}
