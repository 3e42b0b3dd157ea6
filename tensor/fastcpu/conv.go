package fastcpu

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ditgo/ditgo/tensor"
)

// The fast device's convolution is the packed GEMM (gemm.go) on the im2col
// matrix of each image,
//
//	col[(ci,ky,kx), (oy,ox)] = x[ci, oy·S + ky − P, ox·S + kx − P]   (0 in the padding)
//
// a [Cin·KH·KW, OH·OW] matrix whose every column holds the input pixels one
// output pixel sees. With it, the forward pass and the weight gradient are
// matrix products (out[b] is [Cout, OH·OW], which is already NCHW):
//
//	forward:       out[b] = w · col(x[b])                w viewed [Cout, Cin·KH·KW]
//	weight grad:   dw     = Σ_b dout[b] · col(x[b])ᵀ     K runs over every pixel of the batch
//
// The col matrix is never stored. It is KH·KW times larger than x, and
// writing it to memory and packing it again would cost about as much as
// the product itself at the U-Net's sizes. Instead the GEMM's packing of
// that operand is replaced by a gather from x (gemmOperands.packA/packB):
// each packed panel is built straight from the input planes, and lives in
// L2 as any packed panel does. The rest of the GEMM — blocking,
// micro-kernel, determinism — is unchanged. To make the gather a plain
// copy, the input planes of each unit of work are first prepared
// (convGeom, conv_gather.go): the padding is written out, so no read
// needs a bounds test, and at a stride S > 1 the plane is split into S×S
// phase images, so that the pixels one output row reads, S apart in x,
// lie side by side. Where the instruction set has the assembly for it,
// the products take whole rows of the prepared planes as their columns
// (the wide geometry of convGeom), so that each packed row of col is one
// run of the prepared image, copied in a few instructions, and only the
// first OW columns of each row of a product are kept: on UNet-B's 3×3
// convolutions at 32×32 and 16×16 this took the forward pass from 106 and
// 125 GFLOP/s to 169 and 204 (BenchmarkConv2D), above the same products
// on stored operands, whose packing of a large B is not from cache; at
// stride 2 (one unused column a row), from 134–149 to 178–191 at 32×32.
// There the micro-kernel can also read each row of col where it lies in
// the prepared planes, finding it through a table of offsets (tileI,
// convGeom.rowsIn), so that a panel within one image is not copied at
// all: UNet-B's stride-1 forward passes and input gradients gained 5–15%
// (BenchmarkConv2D, alternating runs: 64 channels at 32×32 dx 232–238 →
// 250–263 GFLOP/s, 128 at 8×8 forward 207–230 → 236–244). The weight
// gradient reads its input in place too, laid out channels-last
// (weightGradChannelsLast).
//
// The input gradient at stride 1 is itself a convolution: of dout, padded
// by K−1−P, with the kernel flipped in both axes and its two channel axes
// swapped,
//
//	dx[b,ci,iy,ix] = Σ_{co,ky,kx} dout[b,co,iy+ky−(KH−1−P),ix+kx−(KW−1−P)] · w[co,ci,KH−1−ky,KW−1−kx]
//
// so it runs on the forward's code (a negative padding, when P > K−1,
// crops instead). At a stride S > 1 that convolution would read a dout
// with S−1 zeros between its pixels, most of the work wasted; instead the
// input pixels are split into S×S phases, each a stride-1 convolution of
// dout with a part of the kernel (conv_strided.go).
//
// How the work is shared out: images smaller than convWidth pixels go
// into one product side by side, so that the weights packed for a product
// serve enough columns (not a 1×1 convolution's, whose weights are read in
// place: pointwiseProducts); the products (and the parts of the weight
// gradient, cut along K) are units that each core takes whole, one after
// another (convUnits).
//
// The bias is added to the forward product as it is copied out of the
// wide geometry's scratch, or else rides along in it as one more step of
// the sum (convProducts; with the rows read as they are, directRows, the
// step's row of ones is read in place too); a 1×1 convolution's output is
// filled with it before its product adds to it (pointwiseProducts). Its
// gradient, Σ of dout over b, oy and ox, is left to autograd (two Sum
// kernels: one pass over dout, a few percent of the weight gradient's
// time on UNet-B's shapes).

// convScratch holds the pooled scratch of the convolution: the prepared
// planes (channels-last for the weight gradient), the weights with their
// bias column or flipped, the gathered lanes of a panel, the products of
// images side by side, the partial sums of the weight gradient and the
// phases of the strided input gradient. GroupNorm's backward with SiLU
// takes its per-group scratch from it too: any large float32 buffer that
// lives for one call can.
var convScratch = sync.Pool{New: func() any { return new([]float32) }}

// convFloats returns a pooled buffer of n floats (contents unspecified).
func convFloats(n int) *[]float32 {
	p := convScratch.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// putFloats puts back a buffer from convFloats; nil is ignored.
func putFloats(buf *[]float32) {
	if buf != nil {
		convScratch.Put(buf)
	}
}

// Sizes of the sharing out:
//
//   - convWidth is the number of columns (pixels) that the products of the
//     forward pass and of the input gradient aim at: images smaller than
//     that are laid side by side, so that the packed weights (repacked for
//     every product, M·K floats) serve at least this many columns. One
//     image of a U-Net at 8×8 is 64 columns, and alone it would spend as
//     long packing 128×1152 weights as multiplying them.
//   - convDepth is the depth (pixels of the batch) of one part of the
//     weight gradient, and convPartials bounds the floats of the parts'
//     partial sums (16 MiB).
const (
	convWidth    = 512
	convDepth    = 2048
	convPartials = 1 << 22
)

// convUnits runs the n units of a convolution — each one product of work
// multiply-adds and what goes with it — by calling run(u, s, workers),
// which computes unit u with scratch s on workers goroutines.
//
// With at least two units per core, each goroutine takes whole units,
// claiming the next one when it is done: no goroutine waits for another
// until the last units, and a core slowed by other work takes fewer. The
// GEMM's batch rule would instead split a product of this size over the
// cores by tiles, with a barrier after every block, which on UNet-B's
// shapes measured slower, and far slower on a busy machine. Fewer units
// run one after another, each split by tiles; small ones run on one
// goroutine. Every unit is computed by one goroutine, or by the GEMM's
// fixed order, so the result does not depend on the cores.
func (d *Device) convUnits(n, work int, run func(u int, s *gemmScratch, workers int)) {
	workers := runtime.GOMAXPROCS(0)
	if n*work < gemmParallelWork {
		workers = 1
	}
	if workers > 1 && n >= 2*workers {
		var next atomic.Int64
		cpuTeam.run(workers, func(int) {
			s := d.scratch.get()
			for u := int(next.Add(1) - 1); u < n; u = int(next.Add(1) - 1) {
				run(u, s, 1)
			}
			d.scratch.put(s)
		})
		return
	}
	s := d.scratch.get()
	defer d.scratch.put(s)
	if work < gemmParallelWork {
		workers = 1
	}
	for u := range n {
		run(u, s, workers)
	}
}

// Conv2D: out[b] = w · col(x[b]) + bias.
func (d *Device) Conv2D(outB, xB, wB, biasB tensor.Buffer, a tensor.Conv2DArgs) {
	out, x, w, bias := d.Floats(outB), d.Floats(xB), d.Floats(wB), d.Floats(biasB)
	d.convProducts(out, w, x, forwardGeom(a), bias)
}

// convProducts computes out[b] = w · col_g(x[b]) (+ bias, one value a row)
// for every image b: w is [M, K], K is g's C·KH·KW, and out[b] is
// [M, OH·OW]. Images of fewer than convWidth pixels are multiplied a few
// at a time, side by side, into a scratch, and copied to out.
//
// Where the instruction set copies rows in assembly, the products run on
// the wide geometry (convGeom.widen): they have Wr columns a row, of which
// the first OW are copied to out, with the bias added on the way. Where
// its micro-kernel also finds rows of B through a table (tileI), a panel
// of a product whose columns lie in one image is read where the prepared
// planes hold it (convGeom.rowsIn), and only the others are packed.
// Otherwise, and for a shallow product, the bias rides along in the
// product as one more step of the sum: w gets it as an extra column and
// col a row of ones (whose panels are packed).
func (d *Device) convProducts(out, w, x []float32, g *convGeom, bias []float32) {
	K := g.C * g.KH * g.KW
	if g.pointwise() {
		d.pointwiseProducts(out, w, x, g, bias)
		return
	}
	direct := d.directRows(g)
	switch {
	case direct:
		g = g.withRowOffsets()
	case d.wideConv(g):
		g = g.widen()
	}
	// The bias goes in as a step of the sum unless the product is wide
	// (copied out anyway, the bias added on the way). Without the
	// instruction set's copy-out with an add (convRowsAdd), a shallow
	// product keeps the step of ones: at K = 27 (a 3-channel input) the Go
	// loop's pass cost more than the packed panels that the step of ones
	// needs. With it, the 3-channel input's forward pass went from
	// 103–115 to 110–123 GFLOP/s (alternating runs), its B read in place.
	ones := bias != nil && (direct || !g.wide || K < 64 && d.set.convRowsAdd == nil)
	// Read as they are, the prepared planes of an image get a plane of
	// ones after their slack, the bias's step, read in place as the rest.
	var onesAt int
	if direct && ones {
		onesAt = g.C*g.plane + g.KW
		g.rowOff = append(g.rowOff, onesAt)
	}
	if ones { // w with the bias as column K
		M := len(w) / K
		buf := convFloats(M * (K + 1))
		defer convScratch.Put(buf)
		wb := *buf
		for m := range M {
			copy(wb[m*(K+1):], w[m*K:(m+1)*K])
			wb[m*(K+1)+K] = bias[m]
		}
		w, K = wb, K+1
	}
	M, P := len(w)/K, g.OH*g.OW // P: the product's columns for one image
	ow, Pout := g.OW, g.OH*g.OW // out's row and image
	if g.wide {
		ow, Pout = g.ow, g.OH*g.ow
	}
	in := g.C * g.H * g.W // floats of one image of x
	batch := len(x) / in
	nb := min(batch, ceilDiv(convWidth, P)) // images per product
	// rows: where each row of an image's plane of a wide product starts,
	// for copying out rows of at most 32 floats in one call per channel
	// (copyRows, copyRowsAdd), not one call per row.
	var rows []int
	if g.wide && ow <= 32 {
		rows = make([]int, g.OH)
		for oy := range rows {
			rows[oy] = oy * g.OW
		}
	}
	d.convUnits(ceilDiv(batch, nb), M*nb*P*K, func(u int, s *gemmScratch, workers int) {
		b0 := u * nb
		n := min(nb, batch-b0)
		var xs []float32
		var xbuf *[]float32
		if onesAt > 0 {
			xs, xbuf = g.prepareAs(d.set, x[b0*in:(b0+n)*in], workers, false, g.plane+d.set.gemm.nr)
			fillRow(xs[onesAt:], 1)
		} else {
			xs, xbuf = g.prepare(d.set, x[b0*in:(b0+n)*in], workers)
		}
		defer putFloats(xbuf)
		op := gemmOperands{M: M, N: n * P, K: K, a: w, packB: g.packRows(xs, ones, d.set)}
		if g.wide || direct {
			op.rowsB = g.rowsIn(xs, d.set.gemm.nr)
		}
		if n == 1 && !g.wide {
			op.c = out[b0*M*P : (b0+1)*M*P]
			gemmProduct(&d.set.gemm, s, &op, workers)
			return
		}
		buf := convFloats(M * n * P)
		defer convScratch.Put(buf)
		op.c = *buf // [M, n·P]
		gemmProduct(&d.set.gemm, s, &op, workers)
		for i := range n {
			for m := range M {
				dst, src := out[((b0+i)*M+m)*Pout:][:Pout], op.c[m*n*P+i*P:][:P]
				switch {
				case !g.wide:
					copy(dst, src)
					continue
				case rows != nil && (bias == nil || ones):
					copyRows(d.set, dst, src, rows, ow, ow)
					continue
				case rows != nil:
					copyRowsAdd(d.set, dst, src, rows, ow, ow, bias[m])
					continue
				}
				if bias == nil || ones {
					for oy := range g.OH {
						copy(dst[oy*ow:(oy+1)*ow], src[oy*g.OW:])
					}
					continue
				}
				b := bias[m]
				for oy := range g.OH {
					s := src[oy*g.OW:][:ow]
					d := dst[oy*ow:][:len(s)]
					for j, v := range s {
						d[j] = v + b
					}
				}
			}
		}
	})
}

// pointwiseProducts is convProducts for a geometry whose col(x[b]) is
// x[b] itself (convGeom.pointwise: a 1×1 convolution at stride 1 with no
// padding): one product per image, out[b] = w · x[b], with x[b] read as
// a stored operand (in place where the GEMM can, gemm.go) and out[b]
// written in place. The bias goes in first, each row of out[b] filled
// with its value, and the product adds to it. The convolution's general
// path would add the bias as a step of ones, which needs B packed, and
// lay the images of 16×16 maps side by side, which needs out copied from
// a scratch: on UNet-B's 1×1 skip (64→128 at 16×16, BenchmarkConv2D) the
// forward pass ran at 236 GFLOP/s and the input gradient at 260, where
// the GEMM of the same products ran at 329 and 361; this way, 228–277
// and 296–350 (three runs; the GEMM 307–331 and 343–365). The weights
// are read in place, not packed for each product, so an image of 8×8 is
// a product of its own too: in a probed UNet-B step (five steps, one run
// each way) the decoder's 1×1 skips at 8×8 took 8.2 ms forward before
// and after, 9.6 and 8.1 for the input gradient.
func (d *Device) pointwiseProducts(out, w, x []float32, g *convGeom, bias []float32) {
	K, P := g.C, g.OH*g.OW
	M := len(w) / K
	batch := len(x) / (K * P)
	d.convUnits(batch, M*P*K, func(b int, s *gemmScratch, workers int) {
		c := out[b*M*P : (b+1)*M*P]
		if bias != nil {
			for m, v := range bias[:M] {
				fillRow(c[m*P:(m+1)*P], v)
			}
		}
		op := gemmOperands{M: M, N: P, K: K, a: w, b: x[b*K*P : (b+1)*K*P], c: c, accumulate: bias != nil}
		gemmProduct(&d.set.gemm, s, &op, workers)
	})
}

// directRows reports whether the products over geometry g take its rows
// as they are, not wide: at stride 1, with output rows a multiple of the
// micro-kernel's nr columns and images of at least convWidth pixels (one
// product each), every panel of B is a run of one output row in the
// prepared planes, read in place (rowsIn), and out is C itself. The wide
// geometry's unused column a row is not computed, and nothing is copied
// out; the bias is a step of the sum whose row is a plane of ones placed
// after the image's prepared planes, read in place like the others. On
// UNet-B's convolutions at 32×32 (BenchmarkConv2D, three alternating
// rounds, GFLOP/s), the 3-channel input's forward pass went from 110–162
// to 204–236 (its GEMM, 194–277, is the noisiest line of the benchmark),
// 64 channels' forward from 302–331 to 310–351 and their input gradient
// from 290–328 to 327–349, and the output convolution's input gradient
// from 195–217 to 253–318.
func (d *Device) directRows(g *convGeom) bool {
	return d.wideConv(g) && d.set.gemm.tileI != nil && g.S == 1 && g.OW%d.set.gemm.nr == 0 && g.OH*g.OW >= convWidth
}

// wideConv reports whether the products over geometry g run on its wide
// form: with more than one tap or a stride over 1 (one tap at stride 1
// reads x as it is), where the instruction set gathers rows in assembly
// (without it, a row's copy costs more than the wasted columns save).
func (d *Device) wideConv(g *convGeom) bool {
	return d.set.convRows != nil && (g.S > 1 || g.KH*g.KW > 1)
}

// Conv2DBackwardWeight: dw (+)= Σ_b dout[b] · col(x[b])ᵀ, a product
// whose K runs over every pixel of every image. It is cut along K into
// parts of about convDepth pixels (but at least four, of 256 pixels or
// more, where K allows: two for each of two cores), whose products go to
// partial sums that are then added in order. The parts are units that the
// cores take whole (convUnits), with no barrier between them, where one
// product would be split by tiles with a barrier after every block of K.
// The parts depend only on the sizes, so the result does not depend on
// the cores. dw is small (Cout·Cin·KH·KW), so the partial sums cost little
// memory, and at most convPartials floats of it. Where the instruction set
// has the wide geometry and a micro-kernel that reads B through a table,
// the weight gradient is weightGradChannelsLast instead, which gathers no
// col at all, if the input has more than nr/2 channels: it pads them to a
// multiple of nr, and with fewer the padding would be most of its work
// (UNet-B's input convolution, 3 channels, ran at 16 GFLOP/s there and
// 110–124 here).
func (d *Device) Conv2DBackwardWeight(dwB, doutB, xB tensor.Buffer, a tensor.Conv2DArgs, accumulate bool) {
	dw, dout, x := d.Floats(dwB), d.Floats(doutB), d.Floats(xB)
	g := forwardGeom(a)
	if d.wideConv(g) && d.set.gemm.tileI != nil && 2*a.Cin > d.set.gemm.nr {
		d.weightGradChannelsLast(dw, dout, x, a, g.widen(), accumulate)
		return
	}
	P := g.OH * g.OW
	M, N, K := a.Cout, a.Cin*a.KH*a.KW, a.B*P
	in := a.Cin * a.H * a.W // floats of one image of x
	// product computes into c the part of dw from pixel k0 to k1 of the
	// batch, on workers goroutines. A 1×1 convolution's colᵀ is x itself,
	// packed as a stored matrix; the others' is gathered from the
	// prepared planes of the images the part touches.
	product := func(c []float32, k0, k1 int, acc bool, s *gemmScratch, workers int) {
		op := gemmOperands{c: c, M: M, N: N, K: k1 - k0, accumulate: acc, packA: imageRows(dout, M, P, k0)}
		if a.KH == 1 && a.KW == 1 && a.Stride == 1 && a.Pad == 0 {
			op.packB = func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
				packAlongK(k, dst, x, a.Cin, P, k0+pc, kc, col, w, k.nr)
			}
			gemmProduct(&d.set.gemm, s, &op, workers)
			return
		}
		b0, b1 := k0/P, ceilDiv(k1, P) // the images of the part
		xs, xbuf := g.prepare(d.set, x[b0*in:b1*in], workers)
		defer putFloats(xbuf)
		op.packB = g.packColumns(xs, k0-b0*P)
		gemmProduct(&d.set.gemm, s, &op, workers)
	}
	parts := ceilDiv(K, convDepth)
	if parts < 4 {
		parts = min(4, max(1, K/256))
	}
	parts = min(parts, max(1, convPartials/(M*N)))
	if parts == 1 {
		d.convUnits(1, M*N*K, func(_ int, s *gemmScratch, workers int) { product(dw, 0, K, accumulate, s, workers) })
		return
	}
	buf := convFloats(parts * M * N)
	defer convScratch.Put(buf)
	partial := *buf // [parts, M, N]
	d.convUnits(parts, M*N*ceilDiv(K, parts), func(u int, s *gemmScratch, workers int) {
		product(partial[u*M*N:(u+1)*M*N], u*K/parts, (u+1)*K/parts, false, s, workers)
	})
	parallelFor(M*N, parts, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var sum float32
			if accumulate {
				sum = dw[i]
			}
			for u := range parts {
				sum += partial[u*M*N+i]
			}
			dw[i] = sum
		}
	})
}

// Conv2DBackwardInput runs on the forward's products. At stride 1 it is
// the convolution of dout with the flipped kernel (see the top of this
// file). At a stride S > 1 the input pixels fall into S×S phases by
// (iy mod S, ix mod S), and each phase is a stride-1 convolution of dout
// with a part of the kernel (stridedInput). The phases together do the
// forward's work, no more; folding a stored col matrix back onto dx
// (col2im) would write and read KH·KW/S² times dx's size again.
func (d *Device) Conv2DBackwardInput(dxB, doutB, wB tensor.Buffer, a tensor.Conv2DArgs) {
	dx, dout, w := d.Floats(dxB), d.Floats(doutB), d.Floats(wB)
	if a.Stride > 1 {
		d.stridedInput(dx, dout, w, a)
		return
	}
	y, x := phaseTaps(0, a.KH, a.Pad, 1, a.H), phaseTaps(0, a.KW, a.Pad, 1, a.W)
	wf := phaseWeights(w, a, []phase{y}, []phase{x})[0]
	defer convScratch.Put(wf)
	g := convGeom{C: a.Cout, H: a.OH(), W: a.OW(), KH: y.taps, KW: x.taps, S: 1,
		PH: y.taps - 1 - y.d, PW: x.taps - 1 - x.d, OH: y.n, OW: x.n}
	d.convProducts(dx, *wf, dout, g.setup(), nil)
}
