package fastcpu

import "github.com/ditgo/ditgo/tensor"

// weightGradInPlace is Conv2DBackwardWeight on the wide geometry g for a
// micro-kernel that reads A where it is stored (gemmKernel.tileS). It
// computes dw transposed, with its rows in the order tap, then input
// channel, over the images of a part stacked into one tall image
// (convGeom.prepareStacked):
//
//	dwt[t·Cin + c, co] = Σ_q xs[c·block + tap_n[t] + q] · ds[co, q]
//
// one product per part of n images, whose K runs over the stacked pixels
// q = b·image + oy·Wr + ox of the part (up to the last image's OH rows;
// image and block from convGeom.stacking); tap_n[t] is tap t in the
// stacked layout, and ds is dout of the part in the same layout, with
// zeros at every unused pixel: the wide geometry's columns past OW, and
// the rows past OH of each image, whose windows run into the next image.
// A row of this A is one run of the prepared planes, and twelve channels
// under one tap are rows block floats apart: a sliver that the
// micro-kernel reads in place (storedA). Only the
// slivers that straddle two taps, and the short last one, are gathered
// (packA). B is ds, stored [Cout, K], which the GEMM packs as any
// transposed operand; each of its values serves Cin·KH·KW rows.
//
// The general path gathers col into packed panels: a gather and a
// transpose of every value of col, and each value then serves only Cout
// multiply-adds; at Cout = 64 that cost as much as the product. One
// product per image (this function's first form) gathered nothing either,
// but at 8×8 each image's product was too short to pay for its pass over
// dwt. Stacking costs the unused rows instead: at 3×3, one row an image
// (at stride 1 an image's bottom padding is the next one's top padding).
//
// The parts are units that the cores take whole, each into a partial dwt;
// the parts are then added in order and transposed into dw. There are
// parts of about convDepth pixels, at least four, and up to eight where
// each still has convDepth/2 pixels: with four parts of UNet-B's 16×16
// layers, a core that fell behind by part of a unit left the other
// waiting for it (alternating runs, 128 channels at 16×16: 215–250 →
// 260–279 GFLOP/s); at 8×8, eight parts' products were too short
// (197–223 → 196–206). The parts depend only on the sizes.
func (d *Device) weightGradInPlace(dw, dout, x []float32, a tensor.Conv2DArgs, g *convGeom, accumulate bool) {
	kk, mr := a.KH*a.KW, d.set.gemm.mr
	M, N := a.Cin*kk, a.Cout
	pixels := a.B * g.OH * g.OW
	parts := max(ceilDiv(pixels, convDepth), min(8, pixels/(convDepth/2)), 4)
	parts = min(parts, a.B, max(1, convPartials/(M*N)))
	pbuf := convFloats(parts * M * N)
	defer convScratch.Put(pbuf)
	partial := *pbuf                      // [parts, M, N]
	in, plane := a.Cin*a.H*a.W, g.OH*g.ow // floats of one image of x, and of a plane of dout
	d.convUnits(parts, M*N*ceilDiv(a.B, parts)*g.hr*g.OW, func(u int, s *gemmScratch, workers int) {
		b0, b1 := u*a.B/parts, (u+1)*a.B/parts
		n := b1 - b0
		image, step, lda := g.stacking(n) // lda: from one channel to the next
		K := (n-1)*image + g.OH*g.OW
		xs, xbuf := g.prepareStacked(d.set, x[b0*in:b1*in], workers)
		defer putFloats(xbuf)
		dbuf := convFloats(N * K)
		defer convScratch.Put(dbuf)
		ds := (*dbuf)[:N*K] // dout of the part, stacked: [Cout, K]
		clear(ds)
		for co := range N {
			row := ds[co*K:][:K]
			for i := range n {
				src := dout[((b0+i)*N+co)*plane:][:plane]
				for oy := range g.OH {
					copy(row[i*image+oy*g.OW:][:g.ow], src[oy*g.ow:])
				}
			}
		}
		// tap t of the stacked layout: its phase image is n images long.
		tap := make([]int, kk)
		for ky := range a.KH {
			for kx := range a.KW {
				S := g.S
				tap[ky*a.KW+kx] = ((ky%S)*S+kx%S)*step + ky/S*g.OW + kx/S
			}
		}
		// rowAt is where row r = t·Cin + c of A starts in xs.
		rowAt := func(r int) []float32 { return xs[r%a.Cin*lda+tap[r/a.Cin]:] }
		op := gemmOperands{c: partial[u*M*N : (u+1)*M*N], M: M, N: N, K: K, b: ds, transB: true,
			storedA: func(row, pc int) ([]float32, int) {
				if row%a.Cin+mr > a.Cin { // the sliver straddles two taps
					return nil, 0
				}
				return rowAt(row)[pc:], lda
			},
			packA: func(k *gemmKernel, dst []float32, row, h, pc, kc int) {
				if k.pack16 != nil { // each tap's run of lanes at once
					for j := 0; j < k.mr; {
						r := row + j
						lanes := min(k.mr-j, a.Cin-r%a.Cin) // up to the tap's last channel
						valid := max(0, min(lanes, h-j))
						var from *float32
						if valid > 0 {
							from = &rowAt(r)[pc:][:(valid-1)*lda+kc][0]
						}
						k.pack16(&dst[j:][:(kc-1)*k.mr+lanes][0], from, lda, k.mr, kc, valid, lanes, true)
						j += lanes
					}
					return
				}
				for j := range k.mr {
					if j >= h {
						for p := range kc {
							dst[p*k.mr+j] = 0
						}
						continue
					}
					for p, v := range rowAt(row + j)[pc : pc+kc] {
						dst[p*k.mr+j] = v
					}
				}
			},
		}
		gemmProduct(&d.set.gemm, s, &op, workers)
	})
	// dw[co, c, t] (+)= Σ_u partial[u, t·Cin + c, co]: the rows of the
	// partials are read in order, and for one c the KH·KW writes to each
	// dw[co, c, ·] fill one short run, while the Cout runs stay in cache.
	parallelFor(a.Cin, parts*kk*N, func(lo, hi int) {
		sum := make([]float32, N)
		for c := lo; c < hi; c++ {
			for t := range kk {
				at := (t*a.Cin + c) * N
				copy(sum, partial[at:at+N])
				for u := 1; u < parts; u++ {
					d.binaryRow(tensor.OpAdd, sum, sum, partial[u*M*N+at:][:N])
				}
				for co, v := range sum {
					i := (co*a.Cin+c)*kk + t
					if accumulate {
						v = dw[i] + v
					}
					dw[i] = v
				}
			}
		}
	})
}
