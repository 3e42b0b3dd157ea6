package fastcpu

import "github.com/ditgo/ditgo/tensor"

// weightGradChannelsLast is Conv2DBackwardWeight on the wide geometry g
// for a micro-kernel that finds the rows of B through a table
// (gemmKernel.tileI). The images of a part are stacked into one tall image
// (convGeom.stacking) and laid out channels-last (prepareChannelsLast):
// xt[s·Cp + c] is channel c at stacked pixel s, padded with zero channels
// up to Cp, a multiple of nr. Then, with dw's columns in the order tap,
// then input channel,
//
//	dwt[co, t·Cp + c] = Σ_q dout[b, co, oy, ox] · xt[(tap_n[t] + s(q))·Cp + c]
//
// one product per part, whose K runs over the part's pixels q = b·P +
// oy·OW + ox, P = OH·OW, each at s(q) = b·image + oy·Wr + ox in the stacked
// layout; tap_n[t] is tap t there. A is dout, packed (imageRows). A step
// of a panel of B, nr channels under one tap, is one run of xt, which the
// micro-kernel reads where it lies, through the table of the steps'
// offsets s(q)·Cp (the same table for every panel). So B is never
// gathered, and K holds only the convolution's pixels: the wide
// geometry's unused columns and rows, which a product over the stacked
// layout computes and drops, are skipped by the table. It is the forward
// pass's product with the roles of A and B swapped.
//
// Its first form multiplied the other way round, dw transposed: A was the
// prepared planes read in place, twelve channels under one tap a sliver,
// rows a channel's block apart, and B was dout copied into the stacked
// layout (zeros at the unused pixels) and packed. Each sliver of A then
// served only Cout/nr panels, twelve streams from L2 into the
// micro-kernel, which ran at about 85% of its forward-pass rate; the
// slivers across two taps were gathered, and K ran over the unused pixels
// too (a fifth of it at 8×8). Alternating runs of BenchmarkConv2D (three
// rounds, GFLOP/s, first form → this one):
//
//	64 channels at 32×32           255–266 → 264–301
//	64 at 32×32, stride 2          164–176 → 169–175
//	64→128 at 16×16                240–255 → 278–295
//	128 at 16×16                   261–272 → 300–328
//	128 at 16×16, stride 2         177–184 → 219–229
//	128 at 8×8                     211–243 → 308–314
//	256→128 at 8×8                 206–239 → 285–305
//	64→6 at 32×32 (the output)       48–49 → 143–153
//
// (the output convolution's B had 6 columns of nr there). With fewer than
// nr/2 input channels the padding channels would be most of the work, and
// Conv2DBackwardWeight gathers col instead.
//
// The parts are units that the cores take whole, each into a partial dwt;
// the parts are then added in order and transposed into dw. There are
// parts of about convDepth pixels, at least four, and up to eight where
// each still has convDepth/2 pixels: with four parts of UNet-B's 16×16
// layers, a core that fell behind by part of a unit left the other
// waiting for it (alternating runs, 128 channels at 16×16: 215–250 →
// 260–279 GFLOP/s); at 8×8, eight parts' products were too short
// (197–223 → 196–206). The parts depend only on the sizes.
func (d *Device) weightGradChannelsLast(dw, dout, x []float32, a tensor.Conv2DArgs, g *convGeom, accumulate bool) {
	k := &d.set.gemm
	kk, C := a.KH*a.KW, a.Cin
	Cp := ceilDiv(C, k.nr) * k.nr // channels of xt: a panel never spans two taps
	M, N := a.Cout, kk*Cp
	pixels := a.B * g.OH * g.OW
	parts := max(ceilDiv(pixels, convDepth), min(8, pixels/(convDepth/2)), 4)
	parts = min(parts, a.B, max(1, convPartials/(M*N)))
	pbuf := convFloats(parts * M * N)
	defer convScratch.Put(pbuf)
	partial := *pbuf              // [parts, M, N]
	in, P := C*a.H*a.W, g.OH*g.ow // floats of one image of x, and of a plane of dout
	// offs[q] is where pixel q of a part (q = b·P + oy·OW + ox) is in its
	// xt, for the panels' tables; the parts' stacked images are alike.
	image, _, _ := g.stacking(1)
	offs := make([]int, 0, ceilDiv(a.B, parts)*P)
	for i := range cap(offs) / P {
		for oy := range g.OH {
			at := (i*image + oy*g.OW) * Cp
			for ox := range g.ow {
				offs = append(offs, at+ox*Cp)
			}
		}
	}
	d.convUnits(parts, M*N*ceilDiv(a.B, parts)*P, func(u int, s *gemmScratch, workers int) {
		b0, b1 := u*a.B/parts, (u+1)*a.B/parts
		n := b1 - b0
		_, step, block := g.stacking(n)
		K := n * P
		// xt: the prepared planes channels-last, and past their end the
		// zeros that the last row's windows read (prepare).
		tbuf := convFloats((block + g.KW) * Cp)
		defer convScratch.Put(tbuf)
		xt := *tbuf
		if !g.prepareChannelsLast(k, xt, x[b0*in:b1*in], n, Cp, workers) {
			xs, xbuf := g.prepareStacked(d.set, x[b0*in:b1*in], workers)
			packLanes(k, xt, xs, true, block, block, C, Cp)
			putFloats(xbuf)
			clear(xt[block*Cp:])
		}
		// tap t of the stacked layout: its phase image is n images long.
		tap, S := make([]int, kk), g.S
		for ky := range a.KH {
			for kx := range a.KW {
				tap[ky*a.KW+kx] = ((ky%S)*S+kx%S)*step + ky/S*g.OW + kx/S
			}
		}
		op := gemmOperands{c: partial[u*M*N : (u+1)*M*N], M: M, N: N, K: K,
			packA: imageRows(dout[b0*M*P:b1*M*P], M, P, 0),
			rowsB: func(col, pc, kc int) ([]float32, []int, int) {
				return xt[tap[col/Cp]*Cp+col%Cp:], offs[pc : pc+kc], offs[pc+kc-1]
			},
			// Every panel is read in place (N is a multiple of nr); this
			// would pack one as rowsB finds it.
			packB: func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
				for i := range k.nr {
					for p := range kc {
						v := float32(0)
						if i < w {
							v = xt[tap[(col+i)/Cp]*Cp+(col+i)%Cp+offs[pc+p]]
						}
						dst[p*k.nr+i] = v
					}
				}
			},
		}
		gemmProduct(k, s, &op, workers)
	})
	// dw[co, c, t] (+)= Σ_u partial[u, co, t·Cp + c]: a row of dw is the
	// sum of the parts' rows, transposed from [KH·KW, Cp] to [Cin, KH·KW].
	parallelFor(M, parts*N, func(lo, hi int) {
		sum := make([]float32, N)
		for co := lo; co < hi; co++ {
			copy(sum, partial[co*N:(co+1)*N])
			for u := 1; u < parts; u++ {
				d.binaryRow(tensor.OpAdd, sum, sum, partial[(u*M+co)*N:][:N])
			}
			out := dw[co*C*kk:][:C*kk]
			for t := range kk {
				for c, v := range sum[t*Cp : t*Cp+C] {
					if accumulate {
						v += out[c*kk+t]
					}
					out[c*kk+t] = v
				}
			}
		}
	})
}

// prepareChannelsLast is prepareStacked turned channels-last, for the n
// images of x at stride 1: the planes' pixel at q of a channel's block is
// at xt[q·Cp + c], for Cp ≥ C channels (the last Cp − C of them zero), and
// the KW pixels past the block are zeros, like the slack of prepare. A row
// of an image is transposed into its place in one step (packLanes, 16
// channels at a time in assembly where the kernel has it), straight from
// x: the stacked planes are never written. It returns false, having written
// nothing, for a stride over 1 or a padding that crops, which
// prepareStacked and a transpose handle instead.
func (g *convGeom) prepareChannelsLast(k *gemmKernel, xt, x []float32, n, Cp int, workers int) bool {
	Wr := g.wr
	if g.S != 1 || g.PH < 0 || g.PW < 0 || g.PW+g.W > Wr || g.PH+g.H > g.hr {
		return false
	}
	image, _, block := g.stacking(n)
	clear(xt[block*Cp : (block+g.KW)*Cp])
	// The zeros: each image's rows above and below its input rows, up to
	// the next image's first (the last image's hr), and the columns left
	// and right of each input row.
	for i := range n {
		at, rows := i*image, image/Wr
		if i == n-1 {
			rows = g.hr
		}
		clear(xt[at*Cp : (at+g.PH*Wr)*Cp])
		clear(xt[(at+(g.PH+g.H)*Wr)*Cp : (at+rows*Wr)*Cp])
		for y := range g.H {
			row := at + (g.PH+y)*Wr
			clear(xt[row*Cp : (row+g.PW)*Cp])
			clear(xt[(row+g.PW+g.W)*Cp : (row+Wr)*Cp])
		}
	}
	body := func(lo, hi int) {
		for u := lo; u < hi; u++ {
			i, y := u/g.H, u%g.H
			q := i*image + (g.PH+y)*Wr + g.PW // the row's first pixel
			src := x[i*g.C*g.H*g.W+y*g.W:]
			packLanes(k, xt[q*Cp:], src, true, g.H*g.W, g.W, g.C, Cp)
		}
	}
	if workers > 1 {
		parallelFor(n*g.H, g.W*Cp, body)
	} else {
		body(0, n*g.H)
	}
	return true
}
