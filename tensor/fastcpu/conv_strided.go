package fastcpu

import "github.com/ditgo/ditgo/tensor"

// The input gradient of a convolution in phases (Conv2DBackwardInput).
//
// Along one axis, output o reads input o·S + k − p through tap k. So
// input i = S·u + r is read only through the taps k ≡ r + p (mod S), and
// each of the S phases r of an axis (S×S phases of the image) is a
// stride-1 convolution of dout with a part of the kernel, flipped. At
// stride 1 there is one phase, the whole kernel.

// phase is one axis of one phase of the input gradient: the input
// positions i = S·u + r for u < n, which the taps k = q + S·t, t < taps,
// reach from output positions u + d − t.
type phase struct {
	n, taps, q, d int
}

// phaseTaps returns the phase r of an axis of n input positions, with a
// kernel of size k, padding p and stride S: output o reads input
// o·S + k' − p through tap k', so input S·u + r is read by the taps
// k' ≡ r + p (mod S), from output (S·u + r + p − k')/S.
func phaseTaps(r, k, p, S, n int) phase {
	q := (r + p) % S
	ph := phase{n: ceilDiv(n-r, S), q: q, d: (r + p - q) / S}
	if k > q {
		ph.taps = ceilDiv(k-q, S)
	}
	return ph
}

// phaseWeights returns, in pooled buffers that the caller puts back, the
// weights of the phases (ys[k], xs[k]): each the sub-kernel of taps
// (q + S·t) of both axes, flipped and with its channel axes swapped,
//
//	wf[ci, co, t', s'] = w[co, ci, qy + S·(Ty−1−t'), qx + S·(Tx−1−s')]
//
// a [Cin, Cout·Ty·Tx] matrix. The phase's convolution reads dout padded by
// T−1−d (negative: cropped) through it.
func phaseWeights(w []float32, a tensor.Conv2DArgs, ys, xs []phase) []*[]float32 {
	S := a.Stride
	bufs := make([]*[]float32, len(ys))
	wfs := make([][]float32, len(ys))
	// at[k][t'·Tx + s'] is the tap of w that phase k's tap (t', s') reads.
	at := make([][]int, len(ys))
	for k, y := range ys {
		x := xs[k]
		bufs[k] = convFloats(a.Cin * a.Cout * y.taps * x.taps)
		wfs[k] = *bufs[k]
		at[k] = make([]int, y.taps*x.taps)
		for t := range y.taps {
			for s := range x.taps {
				at[k][t*x.taps+s] = (y.q+S*(y.taps-1-t))*a.KW + x.q + S*(x.taps-1-s)
			}
		}
	}
	// Written over the cores, a block of 16 rows of wf (input channels)
	// at a time, and in it 16 output channels at a time: the reads of a
	// tile go along 16 rows of w, its writes along 16 rows of each wf, and
	// they stay in L1. Row by row, the reads went down a column of w, a
	// line per output channel, and missed at every one: with w out of the
	// caches (as in a training step), 256→128 channels took 642–680 µs
	// that way and 514–617 in tiles (2026-12-02, Zen 5). Each kernel of w
	// is read once for all the phases: one phase at a time, it was read
	// once a phase, and the loops' overhead was paid once a phase too, a
	// fifth of the strided input gradient's CPU time at 128 channels,
	// 16×16 (four alternating rounds of BenchmarkConv2D: 142–153 → 163–184
	// GFLOP/s there, 147–165 → 165–171 at 64 channels, 32×32).
	const tile = 16
	parallelFor(ceilDiv(a.Cin, tile), tile*a.Cout*a.KH*a.KW, func(lo, hi int) {
		for c0 := lo * tile; c0 < min(hi*tile, a.Cin); c0 += tile {
			for o0 := 0; o0 < a.Cout; o0 += tile {
				for ci := c0; ci < min(c0+tile, a.Cin); ci++ {
					for co := o0; co < min(o0+tile, a.Cout); co++ {
						src := w[(co*a.Cin+ci)*a.KH*a.KW:][:a.KH*a.KW]
						for k, taps := range at {
							kk := len(taps)
							dst := wfs[k][(ci*a.Cout+co)*kk:][:kk]
							for j, tap := range taps {
								dst[j] = src[tap]
							}
						}
					}
				}
			}
		}
	})
	return bufs
}

// window is the span of dout positions lo…hi, relative to u, that the
// phases of one axis read: phase r reads u + d − taps + 1 … u + d.
type window struct{ lo, hi int }

// phaseWindow returns the window of the phases ph that have positions and
// taps, and false if none has.
func phaseWindow(ph []phase) (window, bool) {
	w, any := window{}, false
	for _, p := range ph {
		if p.n <= 0 || p.taps == 0 {
			continue
		}
		lo, hi := p.d-p.taps+1, p.d
		if !any {
			w, any = window{lo, hi}, true
		}
		w.lo, w.hi = min(w.lo, lo), max(w.hi, hi)
	}
	return w, any
}

// stridedInput is Conv2DBackwardInput at a stride S > 1, in its S×S
// phases (see the top of this file). The phases read dout through windows
// that overlap: at 3×3, padding 1 and stride 2, the one-tap phase reads
// dout row u, the two-tap one rows u and u+1. So dout is prepared once for
// the union of the windows (a stride-1 geometry g whose kernel spans the
// window of each axis), and each phase's product gathers only its own
// taps of it (convGeom.subKernel). The products of a few images (a unit)
// run one after another while that prepared dout is in cache, into a
// scratch each, and then every row of the unit's dx is written at once
// from its phases (at stride 2, two rows interleaved).
//
// Done phase by phase over the whole batch instead (as a first version
// did), the products prepared dout S² times, and each phase's spread wrote
// to every cache line of dx: on UNet-B's downsampling convolutions the
// spread cost as long as the products. Measured on the Zen 5 machine
// (BenchmarkConv2D, dx): 64 channels at 32×32 from 94 to 165–171 GFLOP/s,
// 128 at 16×16 from 92 to 164–170, where the GEMM of the same work
// (gemm-dx) ran at 208–237.
func (d *Device) stridedInput(dx, dout, w []float32, a tensor.Conv2DArgs) {
	S := a.Stride
	ys, xs := make([]phase, S), make([]phase, S)
	for r := range S {
		ys[r], xs[r] = phaseTaps(r, a.KH, a.Pad, S, a.H), phaseTaps(r, a.KW, a.Pad, S, a.W)
	}
	wy, okY := phaseWindow(ys)
	wx, okX := phaseWindow(xs)
	if !okY || !okX { // no tap reaches any input pixel
		clear(dx)
		return
	}
	g := (&convGeom{C: a.Cout, H: a.OH(), W: a.OW(), KH: wy.hi - wy.lo + 1, KW: wx.hi - wx.lo + 1, S: 1,
		PH: -wy.lo, PW: -wx.lo, OH: ys[0].n, OW: xs[0].n}).setup()
	if d.wideConv(g) {
		g = g.widen()
	}
	// The products of the phases with pixels; g nil for those that no
	// tap reaches, whose pixels are zero.
	type product struct {
		ry, rx int
		y, x   phase
		g      *convGeom
		w      *[]float32
	}
	var products []product
	var withTaps []int // the products whose phase has taps
	var py, px []phase // their phases
	taps := 0
	for ry, y := range ys {
		for rx, x := range xs {
			if y.n <= 0 || x.n <= 0 {
				continue
			}
			p := product{ry: ry, rx: rx, y: y, x: x}
			if y.taps > 0 && x.taps > 0 {
				p.g = g.subKernel(y.d-y.taps+1-wy.lo, y.taps, x.d-x.taps+1-wx.lo, x.taps)
				taps += y.taps * x.taps
				withTaps, py, px = append(withTaps, len(products)), append(py, y), append(px, x)
			}
			products = append(products, p)
		}
	}
	for k, buf := range phaseWeights(w, a, py, px) {
		products[withTaps[k]].w = buf
		defer convScratch.Put(buf)
	}
	P := g.OH * g.OW                      // a product's columns for one image
	in := a.Cout * g.H * g.W              // floats of one image of dout
	nb := min(a.B, ceilDiv(convWidth, P)) // images per unit
	d.convUnits(ceilDiv(a.B, nb), a.Cin*nb*P*a.Cout*taps, func(u int, s *gemmScratch, workers int) {
		b0 := u * nb
		n := min(nb, a.B-b0)
		xsd, xbuf := g.prepare(d.set, dout[b0*in:(b0+n)*in], workers)
		defer putFloats(xbuf)
		buf := convFloats(len(products) * a.Cin * n * P)
		defer convScratch.Put(buf)
		outs := make([][]float32, S*S) // by phase ry·S + rx: [Cin, n·P], nil for zeros
		for j, p := range products {
			if p.g == nil {
				continue
			}
			out := (*buf)[j*a.Cin*n*P:][:a.Cin*n*P]
			op := gemmOperands{c: out, M: a.Cin, N: n * P, K: a.Cout * p.y.taps * p.x.taps, a: *p.w,
				packB: p.g.packRows(xsd, false, d.set)}
			if p.g.wide {
				op.rowsB = p.g.rowsIn(xsd, d.set.gemm.nr)
			}
			gemmProduct(&d.set.gemm, s, &op, workers)
			outs[p.ry*S+p.rx] = out
		}
		// Each row of dx at once, from the phases of its ry: every
		// write goes to a line that the row's other writes fill.
		spread := func(lo, hi int) {
			for pl := lo; pl < hi; pl++ { // pl = i·Cin + ci
				i, ci := pl/a.Cin, pl%a.Cin
				plane := dx[((b0+i)*a.Cin+ci)*a.H*a.W:][:a.H*a.W]
				at := ci*n*P + i*P // the plane's first pixel in a phase's output
				for iy := range a.H {
					ry, v := iy%S, iy/S
					row := plane[iy*a.W:][:a.W]
					even, odd := outs[ry*S], outs[ry*S+min(1, S-1)]
					if S == 2 && a.W%2 == 0 && even != nil && odd != nil {
						interleave(row, even[at+v*g.OW:][:a.W/2], odd[at+v*g.OW:][:a.W/2])
						continue
					}
					for rx := range min(S, a.W) {
						if out := outs[ry*S+rx]; out != nil {
							spreadRow(row[rx:], out[at+v*g.OW:], S, xs[rx].n)
						} else {
							spreadRow(row[rx:], nil, S, xs[rx].n)
						}
					}
				}
			}
		}
		if workers > 1 {
			parallelFor(n*a.Cin, a.H*a.W, spread)
		} else {
			spread(0, n*a.Cin)
		}
	})
}

// spreadRow writes dst[S·v] = src[v] for v < n, or 0 where src is nil.
func spreadRow(dst, src []float32, S, n int) {
	dst = dst[:S*(n-1)+1]
	if src == nil {
		for v := range n {
			dst[S*v] = 0
		}
		return
	}
	for v, val := range src[:n] {
		dst[S*v] = val
	}
}

// interleave writes dst[2v] = even[v] and dst[2v+1] = odd[v]: a row of dx
// from its two phases at stride 2, the common case, in one loop.
func interleave(dst, even, odd []float32) {
	dst = dst[:2*len(even)]
	odd = odd[:len(even)]
	for v, e := range even {
		pair := (*[2]float32)(dst[2*v:])
		pair[0], pair[1] = e, odd[v]
	}
}
