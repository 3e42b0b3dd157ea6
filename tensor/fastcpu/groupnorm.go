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
// one subtract, one multiply and one add per element. Where the CPU's
// instruction set has GroupNorm's vector loops (groupNormLoops,
// groupnorm_amd64.s: AVX-512 and AVX2), they do the sums and the rows,
// with the Go loops' bits: on the Zen 5 machine, BenchmarkGroupNorm's
// forward went from 548 to 122 µs and its backward from 705 to 270. With
// a.SiLU each row goes through Unary's SiLU loop as soon as it is written,
// while it is in cache.
func (d *Device) GroupNorm(outB, meanB, rstdB, xB, gammaB, betaB, shiftB, scaleB tensor.Buffer, a tensor.GroupNormArgs) {
	out, mean, rstd, x := d.Floats(outB), d.Floats(meanB), d.Floats(rstdB), d.Floats(xB)
	gamma, beta, shift, scale := d.Floats(gammaB), d.Floats(betaB), d.Floats(shiftB), d.Floats(scaleB)
	cg := a.C / a.Groups
	n := cg * a.HW
	parallelFor(a.B*a.Groups, n, func(lo, hi int) {
		for bg := lo; bg < hi; bg++ {
			b, g := bg/a.Groups, bg%a.Groups
			mu, rs := groupMoments(x[bg*n:(bg+1)*n], a.Eps, d.set.groupNorm)
			mean[bg], rstd[bg] = mu, rs
			for k := range cg {
				c := g*cg + k
				row := (b*a.C + c) * a.HW
				o := out[row : row+a.HW]
				d.normRow(o, x[row:row+a.HW], mu, rs, gamma, beta, shift, scale, b, c, a.C)
				if a.SiLU { // while the row is in cache
					d.siluRow(o, o)
				}
			}
		}
	})
}

// normRow writes one channel's row of the group norm's output,
//
//	o = (x − mu)·m + add,   m = rs·gamma·(1 + scale),   add = beta·(1 + scale) + shift,
//
// for sample b and channel c of C (shift and scale nil for none): the
// forward pass's output, and the backward's recomputation of it before a
// fused SiLU, with the same bits.
func (d *Device) normRow(o, x []float32, mu, rs float32, gamma, beta, shift, scale []float32, b, c, C int) {
	m, add := rs*gamma[c], beta[c]
	if scale != nil {
		f := 1 + scale[b*C+c]
		m, add = m*f, add*f
	}
	if shift != nil {
		add += shift[b*C+c]
	}
	i := 0
	if loops := d.set.groupNorm; loops != nil {
		i = len(x) / loops.lanes * loops.lanes
		loops.norm(o[:i], x[:i], mu, m, add)
	}
	for ; i < len(x); i++ {
		o[i] = float32((x[i]-mu)*m) + add
	}
}

// groupMoments is the mean and 1/√(variance + eps) of one group, the
// variance from a second pass over x − mean. Each pass sums blocks of
// momentBlock values in float32 (blockSum, blockSquares) and adds the
// block sums in float64, in order. A plain float32 sum would lose
// precision as the group grows (its error bound grows with n); the
// blocked sum's stays that of a few float32 adds however long the group.
//
// loops, if not nil, sums the whole blocks (instructionSet.groupNorm) with
// the same bits, and the Go loops the ragged last block. On the Zen 5
// machine (BenchmarkGroupMoments) the AVX-512 loops sum at 59–73 GB/s and
// the Go loops at 5.4; the four float32 accumulators the Go loop had
// before ran at 8.4–9.2, but no vector loop can share their order, so the
// generic set, which has no vector loops, pays for the shared one.
func groupMoments(x []float32, eps float32, loops *groupNormLoops) (mu, rs float32) {
	n, full := len(x), 0
	var sum float64
	if loops != nil {
		full = n / momentBlock * momentBlock
		sum = loops.sum(x[:full])
	}
	for lo := full; lo < n; lo += momentBlock {
		sum += float64(blockSum(x[lo:min(lo+momentBlock, n)]))
	}
	mu = float32(sum / float64(n))
	var ss float64
	if loops != nil {
		ss = loops.squares(x[:full], mu)
	}
	for lo := full; lo < n; lo += momentBlock {
		ss += float64(blockSquares(x[lo:min(lo+momentBlock, n)], mu))
	}
	return mu, float32(1 / math.Sqrt(ss/float64(n)+float64(eps)))
}

// The blocks of the group norm's sums: momentBlock values summed in
// float32 before the sum goes to a float64 total, over momentLanes
// accumulators (lanes): four values a lane, which the whole-block loops
// (here and in groupnorm_amd64.s) write out.
const (
	momentBlock = 128
	momentLanes = 32
)

// blockSum is the float32 sum of one block of at most momentBlock values,
// in the order of the vector loops: value i goes to lane i mod
// momentLanes, each lane adds its values in order, and then the lanes are
// folded in halves (foldLanes). Thirty-two lanes are two AVX-512
// registers, whose adds the CPU runs side by side.
func blockSum(b []float32) float32 {
	var l [momentLanes]float32
	if len(b) == momentBlock { // a whole block: four values a lane
		w := (*[momentBlock]float32)(b)
		for j := range momentLanes {
			l[j] = ((w[j] + w[j+momentLanes]) + w[j+2*momentLanes]) + w[j+3*momentLanes]
		}
		return foldLanes(&l)
	}
	// A ragged block, lane by lane with its sum in a register. A lane
	// starts from 0, where the whole block's starts from its first value:
	// 0 + v is v but for v = −0, which adds nothing to the float64 total.
	for j := range min(momentLanes, len(b)) {
		var s float32
		for i := j; i < len(b); i += momentLanes {
			s += b[i]
		}
		l[j] = s
	}
	return foldLanes(&l)
}

// blockSquares is blockSum of (b − mu)², each square rounded to float32
// before it is added (no fused multiply-add).
func blockSquares(b []float32, mu float32) float32 {
	var l [momentLanes]float32
	if len(b) == momentBlock {
		w := (*[momentBlock]float32)(b)
		for j := range momentLanes {
			d0, d1, d2, d3 := w[j]-mu, w[j+momentLanes]-mu, w[j+2*momentLanes]-mu, w[j+3*momentLanes]-mu
			l[j] = ((float32(d0*d0) + float32(d1*d1)) + float32(d2*d2)) + float32(d3*d3)
		}
		return foldLanes(&l)
	}
	for j := range min(momentLanes, len(b)) {
		var s float32
		for i := j; i < len(b); i += momentLanes {
			d := b[i] - mu
			s += float32(d * d)
		}
		l[j] = s
	}
	return foldLanes(&l)
}

// foldLanes adds lane j + 16 to lane j for j < 16, then j + 8 to j for
// j < 8, and so on down to lane 0, which it returns: a vector register's
// sum by halves.
func foldLanes(l *[momentLanes]float32) float32 {
	for w := momentLanes / 2; w > 0; w /= 2 {
		for j := range w {
			l[j] += l[j+w]
		}
	}
	return l[0]
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
// of the channel sums. With a.SiLU, dout is first turned into the
// gradient at the SiLU's input, dout·SiLU′(h), a group at a time into a
// scratch that the two passes then read: h, the forward's row before its
// SiLU, is recomputed by the forward's loop (normRow), and SiLU′ is
// UnaryBackward's loop. One (sample, group) per task; S1 and S2 wait in a
// float64 table, and the sums over the samples for dgamma and dbeta run
// after the tasks, in sample order, so the result does not depend on the
// number of cores.
func (d *Device) GroupNormBackward(dxB, dgammaB, dbetaB, dshiftB, dscaleB, doutB, xB, gammaB, betaB, shiftB, scaleB, meanB, rstdB tensor.Buffer, a tensor.GroupNormArgs) {
	dx, dgamma, dbeta, dshift, dscale := d.Floats(dxB), d.Floats(dgammaB), d.Floats(dbetaB), d.Floats(dshiftB), d.Floats(dscaleB)
	dout, x, gamma, beta, shift, scale := d.Floats(doutB), d.Floats(xB), d.Floats(gammaB), d.Floats(betaB), d.Floats(shiftB), d.Floats(scaleB)
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
		var dh []float32 // with SiLU: the group's gradient at the SiLU's input
		if a.SiLU {
			buf := convFloats(n)
			defer convScratch.Put(buf)
			dh = *buf
		}
		for bg := lo; bg < hi; bg++ {
			b, g := bg/a.Groups, bg%a.Groups
			mu, rs := mean[bg], rstd[bg]
			// gradOf returns the gradient reaching the norm's output in
			// the row of channel c: dout, or with SiLU dout·SiLU′(h), h
			// recomputed as the forward computed it.
			gradOf := func(c int) []float32 {
				row := (b*a.C + c) * a.HW
				if !a.SiLU {
					return dout[row : row+a.HW]
				}
				h := dh[(c-g*cg)*a.HW:][:a.HW]
				d.normRow(h, x[row:row+a.HW], mu, rs, gamma, beta, shift, scale, b, c, a.C)
				d.siluGradRow(h, dout[row:row+a.HW], h)
				return h
			}
			var m1, m2 float64
			for c := g * cg; c < (g+1)*cg; c++ {
				row := (b*a.C + c) * a.HW
				s1, sxd := channelSums(gradOf(c), x[row:row+a.HW], mu, d.set.groupNorm)
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
				if a.SiLU { // formed by gradOf in the sums' pass
					gr = dh[(c-g*cg)*a.HW:][:a.HW]
				}
				i := 0
				if loops := d.set.groupNorm; loops != nil {
					i = len(xr) / loops.lanes * loops.lanes
					loops.normGrad(o[:i], gr[:i], xr[:i], mu, kr, slope, offset)
				}
				for ; i < len(xr); i++ {
					o[i] = float32(kr*gr[i]) - float32(slope*(xr[i]-mu)) - offset
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
// as groupMoments sums: blocks of momentBlock values in float32, over
// momentLanes lanes each (blockSum's order), and the block sums in
// float64. loops, if not nil, sums the whole blocks, with the same bits.
func channelSums(dout, x []float32, mu float32, loops *groupNormLoops) (s1, sxd float64) {
	n, full := len(x), 0
	if loops != nil {
		full = n / momentBlock * momentBlock
		s1, sxd = loops.channelSums(dout[:full], x[:full], mu)
	}
	for lo := full; lo < n; lo += momentBlock {
		g, xb := dout[lo:min(lo+momentBlock, n)], x[lo:min(lo+momentBlock, n)]
		var a, q [momentLanes]float32
		if len(g) == momentBlock { // a whole block: four values a lane
			gw, xw := (*[momentBlock]float32)(g), (*[momentBlock]float32)(xb)
			for j := range momentLanes {
				const l = momentLanes
				a[j] = ((gw[j] + gw[j+l]) + gw[j+2*l]) + gw[j+3*l]
				q[j] = ((float32(gw[j]*(xw[j]-mu)) + float32(gw[j+l]*(xw[j+l]-mu))) +
					float32(gw[j+2*l]*(xw[j+2*l]-mu))) + float32(gw[j+3*l]*(xw[j+3*l]-mu))
			}
			s1 += float64(foldLanes(&a))
			sxd += float64(foldLanes(&q))
			continue
		}
		for j := range min(momentLanes, len(g)) {
			var sa, sq float32
			for i := j; i < len(g); i += momentLanes {
				sa += g[i]
				sq += float32(g[i] * (xb[i] - mu))
			}
			a[j], q[j] = sa, sq
		}
		s1 += float64(foldLanes(&a))
		sxd += float64(foldLanes(&q))
	}
	return s1, sxd
}

// groupNormLoops are the vector loops of GroupNorm and its backward
// (instructionSet.groupNorm), each the arithmetic of the Go loop it
// replaces, bit for bit:
//
//   - sum, squares: Σ blockSum and Σ blockSquares (in float64, in order)
//     over whole blocks: len(x) a multiple of momentBlock;
//   - channelSums: channelSums' two sums over whole blocks;
//   - norm: out = (x − mu)·m + add, the product rounded before the add;
//   - normGrad: dx = kr·dout − slope·(x − mu) − offset, each product
//     rounded, subtracted from left to right;
//
// norm and normGrad take a multiple of lanes values.
type groupNormLoops struct {
	sum         func(x []float32) float64
	squares     func(x []float32, mu float32) float64
	channelSums func(dout, x []float32, mu float32) (s1, sxd float64)
	norm        func(out, x []float32, mu, m, add float32)
	normGrad    func(dx, dout, x []float32, mu, kr, slope, offset float32)
	lanes       int
}
