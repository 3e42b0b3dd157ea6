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
// each packed panel is built straight from the input planes, mostly by
// copying runs of a row of x, and lives in L2 as any packed panel does.
// The rest of the GEMM — blocking, micro-kernel, determinism — is
// unchanged.
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
// dout with a part of the kernel (Conv2DBackwardInput).
//
// How the work is shared out: images smaller than convWidth pixels go
// into one product side by side, so that the weights packed for a product
// serve enough columns; the products (and the parts of the weight
// gradient, cut along K) are units that each core takes whole, one after
// another (convUnits).
//
// The bias rides along in the forward product as one more step of the sum:
// w gets the bias as an extra column and col a row of ones, which costs
// 1/(Cin·KH·KW) more work and no pass over out. Its gradient, Σ of dout
// over b, oy and ox, is left to autograd (two Sum kernels: one pass over
// dout, a few percent of the weight gradient's time on UNet-B's shapes).

// convGeom is the shape of one im2col matrix over the planes x[c] of one
// image (C of H×W): rows c·KH·KW + ky·KW + kx, columns oy·OW + ox, and
//
//	col[(c,ky,kx), (oy,ox)] = x[c, oy·S + ky − PH, ox·S + kx − PW]
//
// zero outside the plane. The padding may be negative (the input gradient
// at stride 1 when P > K−1).
//
// At a stride S > 1 the pixels that one output row reads lie S apart in a
// row of x, and gathering them one by one is slow beside copying a run.
// So the planes are first split by column phase (splitPhases): each row
// iy becomes S rows of Wr = ⌈W/S⌉ pixels, phase r holding x[c, iy, r],
// x[c, iy, S+r], … (zero past W), where those pixels lie side by side.
// Wr is 0 for planes that are not split, which must have S = 1.
type convGeom struct {
	C, H, W int
	KH, KW  int
	S       int
	PH, PW  int
	OH, OW  int
	Wr      int
}

// forwardGeom is the im2col geometry of the forward pass and the weight
// gradient over x, split by phase (Wr > 0) at a stride above 1.
func forwardGeom(a tensor.Conv2DArgs) convGeom {
	g := convGeom{C: a.Cin, H: a.H, W: a.W, KH: a.KH, KW: a.KW, S: a.Stride, PH: a.Pad, PW: a.Pad, OH: a.OH(), OW: a.OW()}
	if g.S > 1 {
		g.Wr = ceilDiv(g.W, g.S)
	}
	return g
}

// plane is the number of floats of one input plane: H·W, or H·S·Wr when
// split by phase.
func (g *convGeom) plane() int {
	if g.Wr > 0 {
		return g.H * g.S * g.Wr
	}
	return g.H * g.W
}

// splitPhases returns x [images, C, H, W] split by column phase for g
// (see convGeom), in a pooled buffer that the caller puts back.
func (g *convGeom) splitPhases(x []float32) *[]float32 {
	rows := len(x) / g.W // of all images and planes
	buf := convFloats(rows * g.S * g.Wr)
	xs := *buf
	parallelFor(rows, g.W, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			src, dst := x[r*g.W:(r+1)*g.W], xs[r*g.S*g.Wr:(r+1)*g.S*g.Wr]
			if g.S == 2 { // the common case, as one pass
				even, odd := dst[:g.Wr], dst[g.Wr:]
				for j := range g.W / 2 {
					even[j], odd[j] = src[2*j], src[2*j+1]
				}
				if g.W%2 == 1 {
					even[g.Wr-1], odd[g.Wr-1] = src[g.W-1], 0
				}
				continue
			}
			for ph := range g.S {
				row := dst[ph*g.Wr : (ph+1)*g.Wr]
				j := 0
				for ; j*g.S+ph < g.W; j++ {
					row[j] = src[j*g.S+ph]
				}
				clear(row[j:])
			}
		}
	})
	return buf
}

// run writes col[(c,ky,kx), q…q+len(d)−1] into d, where plane is x[c] and
// q = oy·OW + ox a column of this image; d must not run past the image's
// last column. Along one output row the pixels read one row of x, S
// apart, which lie side by side in a row of x (stride 1) or of one phase
// (split planes): a copy, with zeros where the window hangs over the
// padding. This loop is the price of not storing col; it does no integer
// division.
func (g *convGeom) run(d, plane []float32, ky, kx, oy, ox int) {
	for len(d) > 0 {
		n := min(len(d), g.OW-ox) // columns left in output row oy
		iy := oy*g.S + ky - g.PH
		if iy < 0 || iy >= g.H {
			clear(d[:n])
		} else {
			// Output j reads input column ix + j·S, which is element
			// i + j of row.
			ix := ox*g.S + kx - g.PW
			row, i := plane[iy*g.W:][:g.W], ix
			if g.Wr > 0 { // column ix is pixel ix/S of phase ix mod S
				ph := ix % g.S
				if ph < 0 {
					ph += g.S
				}
				row, i = plane[(iy*g.S+ph)*g.Wr:][:g.Wr], (ix-ph)/g.S
			}
			lo := min(max(-i, 0), n)          // before the row: padding
			hi := max(min(len(row)-i, n), lo) // past it: padding
			if lo > 0 {
				clear(d[:lo])
			}
			if hi-lo > 16 {
				copy(d[lo:hi], row[i+lo:i+hi])
			} else if lo < hi { // a short run: a loop, cheaper than calling memmove
				dst, src := d[lo:hi], row[i+lo:i+hi]
				for j := range dst {
					dst[j] = src[j]
				}
			}
			if hi < n {
				clear(d[hi:n])
			}
		}
		d = d[n:]
		oy, ox = oy+1, 0
	}
}

// packFunc is a gemmOperands.packB: it packs op(B)[pc:pc+kc, col:col+w]
// into dst as packPanel would.
type packFunc = func(k *gemmKernel, dst []float32, col, w, pc, kc int)

// segment is a run of a panel's columns that lie in one image: lanes
// at…at+n−1, which are pixels p…p+n−1 of image i.
type segment struct{ at, n, i, p int }

// segments cuts columns col…col+w−1 of images of P pixels, laid side by
// side, where one image ends and the next begins; at most max(2, w) of
// them, written into buf.
func segments(buf []segment, col, w, P int) []segment {
	s := buf[:0]
	for at := 0; at < w; {
		q := col + at
		n := min(w-at, P-q%P)
		s = append(s, segment{at: at, n: n, i: q / P, p: q % P})
		at += n
	}
	return s
}

// packRows is a gemmOperands.packB for op(B) = [col(x[0]) | col(x[1]) | …],
// the col matrices of the images of x side by side (columns i·P + oy·OW +
// ox), with rows C·KH·KW, and with ones an extra row of ones (the bias's
// step): it packs rows pc…pc+kc−1, columns col…col+w−1, each packed row
// one run of pixels per image it touches.
func (g *convGeom) packRows(x []float32, ones bool) packFunc {
	kk, hw, P := g.KH*g.KW, g.plane(), g.OH*g.OW
	in := g.C * hw // floats of one image of x
	pointwise := kk == 1 && g.S == 1 && g.PH == 0 && g.PW == 0
	return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
		var buf [16]segment
		segs := segments(buf[:], col, w, P)
		nr := k.nr
		c, ky, kx := pc/kk, pc%kk/g.KW, pc%g.KW
		start := 0
		if pointwise && len(segs) == 1 && c < g.C {
			// col(x[i]) is x[i] itself, [C, P]: its rows up to the row of
			// ones are packed as a stored matrix.
			s := segs[0]
			start = min(kc, g.C-c)
			packLanes(k, dst, x[s.i*in+c*hw+s.p:], false, hw, start, w, nr)
			c += start
		}
		for p := start; p < kc; p++ {
			d := dst[p*nr : (p+1)*nr]
			if c == g.C { // only with ones: the last row
				for i := range d[:w] {
					d[i] = 1
				}
			} else {
				for _, s := range segs {
					plane := x[s.i*in+c*hw:][:hw]
					g.run(d[s.at:s.at+s.n], plane, ky, kx, s.p/g.OW, s.p%g.OW)
				}
			}
			clear(d[w:])
			if kx++; kx == g.KW {
				if kx, ky = 0, ky+1; ky == g.KH {
					ky, c = 0, c+1
				}
			}
		}
	}
}

// packColumns is a gemmOperands.packB for op(B) = colᵀ over a batch of
// images (the weight gradient): op(B)[q, n] = col_b[n, k0 + q − b·P] for
// the image b holding pixel k0 + q, P = OH·OW. A panel's lanes are rows of
// col; they are gathered into a small scratch, one run per lane and
// image, and packed from there as packLanes packs a stored matrix (in
// assembly where the instruction set has it).
func (g *convGeom) packColumns(x []float32, k0 int) packFunc {
	kk, hw, P := g.KH*g.KW, g.plane(), g.OH*g.OW
	return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
		buf := convFloats(w * kc)
		defer convScratch.Put(buf)
		tmp := *buf
		var sbuf [16]segment
		segs := segments(sbuf[:], k0+pc, kc, P) // the steps, cut where images end
		for i := range w {
			n := col + i
			c, ky, kx := n/kk, n%kk/g.KW, n%g.KW
			for _, s := range segs {
				g.run(tmp[i*kc+s.at:][:s.n], x[(s.i*g.C+c)*hw:][:hw], ky, kx, s.p/g.OW, s.p%g.OW)
			}
		}
		packLanes(k, dst, tmp, true, kc, kc, w, k.nr)
	}
}

// padPlanes returns the planes of x [images, C, H, W] with g's padding
// made real: [images, C, H+2·PH, W+2·PW], zeros around each plane, in a
// pooled buffer that the caller puts back.
func (g *convGeom) padPlanes(x []float32) *[]float32 {
	Hp, Wp := g.H+2*g.PH, g.W+2*g.PW
	planes := len(x) / (g.H * g.W)
	buf := convFloats(planes * Hp * Wp)
	xp := *buf
	parallelFor(planes, Hp*Wp, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			dst, src := xp[pl*Hp*Wp:(pl+1)*Hp*Wp], x[pl*g.H*g.W:(pl+1)*g.H*g.W]
			clear(dst[:g.PH*Wp])
			for iy := range g.H {
				row := dst[(g.PH+iy)*Wp : (g.PH+iy+1)*Wp]
				clear(row[:g.PW])
				copy(row[g.PW:], src[iy*g.W:(iy+1)*g.W])
				clear(row[g.PW+g.W:])
			}
			clear(dst[(g.PH+g.H)*Wp:])
		}
	})
	return buf
}

// packPatches is a gemmOperands.packB for op(B) = colᵀ over a batch of
// images (the weight gradient), op(B)[q, n] = col_b[n, k0 + q − b·P] for
// the image b holding pixel k0 + q, read from xp, the planes padded by
// padPlanes. A packed row is one pixel's value under each of the panel's
// taps (c, ky, kx), which lie at fixed offsets from the pixel's corner in
// the padded planes: a gather with no bounds to test.
func (g *convGeom) packPatches(xp []float32, k0 int) packFunc {
	kk := g.KH * g.KW
	Hp, Wp := g.H+2*g.PH, g.W+2*g.PW
	return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
		var offBuf [64]int
		off := offBuf[:0]
		for n := col; n < col+w; n++ {
			c, ky, kx := n/kk, n%kk/g.KW, n%g.KW
			off = append(off, (c*Hp+ky)*Wp+kx)
		}
		q := k0 + pc
		b, p := q/(g.OH*g.OW), q%(g.OH*g.OW)
		oy, ox := p/g.OW, p%g.OW
		corner := func() int { return (b*g.C*Hp+oy*g.S)*Wp + ox*g.S }
		at := corner()
		nr := k.nr
		for s := range kc {
			d := dst[s*nr : (s+1)*nr]
			for i, o := range off {
				d[i] = xp[at+o]
			}
			clear(d[w:])
			if ox++; ox < g.OW {
				at += g.S
				continue
			}
			if ox, oy = 0, oy+1; oy == g.OH {
				oy, b = 0, b+1
			}
			at = corner()
		}
	}
}

// imageRows is a gemmOperands.packA for op(A)[m, q] = a[i, m, p] with
// i·P + p = k0 + q: a batch of [M, P] matrices side by side along K (dout
// in the weight gradient), from column k0 on.
func imageRows(a []float32, M, P, k0 int) func(k *gemmKernel, dst []float32, row, h, pc, kc int) {
	return func(k *gemmKernel, dst []float32, row, h, pc, kc int) {
		packAlongK(k, dst, a, M, P, k0+pc, kc, row, h, k.mr)
	}
}

// packAlongK packs kc steps from step q0 of lanes row…row+h−1, padded to
// w, of [M, P] matrices side by side along K (a[i, m, p] is lane m, step
// i·P + p): each matrix's part as packLanes packs a stored matrix.
func packAlongK(k *gemmKernel, dst, a []float32, M, P, q0, kc, row, h, w int) {
	var buf [16]segment
	for _, s := range segments(buf[:], q0, kc, P) {
		packLanes(k, dst[s.at*w:], a[(s.i*M+row)*P+s.p:], true, P, s.n, h, w)
	}
}

// convScratch holds the pooled scratch of the convolution: the weights
// with their bias column or flipped, the gathered lanes of a panel, the
// products of images side by side, the partial sums of the weight
// gradient and the phases of the strided input gradient.
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

// convWidth is the number of columns (pixels) that the products of the
// forward pass and of the input gradient aim at: images smaller than that
// are laid side by side, so that the packed weights (repacked for every
// product, M·K floats) serve at least this many columns. One image of a
// U-Net at 8×8 is 64 columns, and alone it would spend as long packing
// 128×1152 weights as multiplying them.
const convWidth = 512

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

// Conv2D: out[b] = [w | bias] · [col(x[b]); 1].
func (d *Device) Conv2D(outB, xB, wB, biasB tensor.Buffer, a tensor.Conv2DArgs) {
	out, x, w, bias := d.Floats(outB), d.Floats(xB), d.Floats(wB), d.Floats(biasB)
	K := a.Cin * a.KH * a.KW
	if bias != nil { // w with the bias as column K
		buf := convFloats(a.Cout * (K + 1))
		defer convScratch.Put(buf)
		wb := *buf
		for co := range a.Cout {
			copy(wb[co*(K+1):], w[co*K:(co+1)*K])
			wb[co*(K+1)+K] = bias[co]
		}
		w, K = wb, K+1
	}
	g := forwardGeom(a)
	if g.Wr > 0 {
		buf := g.splitPhases(x)
		defer convScratch.Put(buf)
		x = *buf
	}
	d.convProducts(out, w, x, g, K, bias != nil)
}

// convProducts computes out[b] = w · col_g(x[b]) for every image b: w is
// [M, K], K is g's C·KH·KW, plus one with ones, and out[b] is [M, OH·OW].
// Images of fewer than convWidth pixels are multiplied a few at a time,
// side by side, into a scratch, and copied to out.
func (d *Device) convProducts(out, w, x []float32, g convGeom, K int, ones bool) {
	M, P := len(w)/K, g.OH*g.OW
	in := g.C * g.plane() // floats of one image of x
	batch := len(x) / in
	nb := min(batch, ceilDiv(convWidth, P)) // images per product
	d.convUnits(ceilDiv(batch, nb), M*nb*P*K, func(u int, s *gemmScratch, workers int) {
		b0 := u * nb
		n := min(nb, batch-b0)
		op := gemmOperands{M: M, N: n * P, K: K, a: w, packB: g.packRows(x[b0*in:(b0+n)*in], ones)}
		if n == 1 {
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
				copy(out[((b0+i)*M+m)*P:][:P], op.c[m*n*P+i*P:])
			}
		}
	})
}

// Conv2DBackwardWeight: dw (+)= Σ_b dout[b] · col(x[b])ᵀ, a product
// whose K runs over every pixel of every image. It is cut along K into
// parts of about convDepth pixels, whose products go to partial sums that
// are then added in order: parts are units that the cores take whole
// (convUnits), with no barrier between them, where one product would be
// split by tiles with a barrier after every block of K. The parts depend
// only on the sizes, so the result does not depend on the cores. dw is
// small (Cout·Cin·KH·KW), so the partial sums cost little memory, and at
// most convPartials floats of it.
func (d *Device) Conv2DBackwardWeight(dwB, doutB, xB tensor.Buffer, a tensor.Conv2DArgs, accumulate bool) {
	dw, dout, x := d.Floats(dwB), d.Floats(doutB), d.Floats(xB)
	g := forwardGeom(a)
	P := g.OH * g.OW
	// colᵀ from pixel k0 of the batch on, gathered in the way that is the
	// fastest where it is used (measured on UNet-B's shapes): a 1×1
	// convolution's is x itself, packed as a stored matrix; long rows at
	// stride 1 are copied in runs and transposed; short rows and strided
	// ones are gathered a pixel at a time from padded planes.
	var colT func(k0 int) packFunc
	switch {
	case a.KH == 1 && a.KW == 1 && a.Stride == 1 && a.Pad == 0:
		colT = func(k0 int) packFunc {
			return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
				packAlongK(k, dst, x, a.Cin, P, k0+pc, kc, col, w, k.nr)
			}
		}
	case g.S == 1 && g.OW >= convLongRow:
		colT = func(k0 int) packFunc { return g.packColumns(x, k0) }
	default:
		buf := g.padPlanes(x)
		defer convScratch.Put(buf)
		xp := *buf
		colT = func(k0 int) packFunc { return g.packPatches(xp, k0) }
	}
	M, N, K := a.Cout, a.Cin*a.KH*a.KW, a.B*P
	parts := min(ceilDiv(K, convDepth), max(1, convPartials/(M*N)))
	if parts == 1 {
		op := gemmOperands{c: dw, M: M, N: N, K: K, accumulate: accumulate,
			packA: imageRows(dout, M, P, 0), packB: colT(0)}
		d.convUnits(1, M*N*K, func(_ int, s *gemmScratch, workers int) { gemmProduct(&d.set.gemm, s, &op, workers) })
		return
	}
	buf := convFloats(parts * M * N)
	defer convScratch.Put(buf)
	partial := *buf // [parts, M, N]
	d.convUnits(parts, M*N*ceilDiv(K, parts), func(u int, s *gemmScratch, workers int) {
		k0, k1 := u*K/parts, (u+1)*K/parts
		op := gemmOperands{c: partial[u*M*N : (u+1)*M*N], M: M, N: N, K: k1 - k0,
			packA: imageRows(dout, M, P, k0), packB: colT(k0)}
		gemmProduct(&d.set.gemm, s, &op, workers)
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

// convDepth is the depth (pixels of the batch) of one part of the weight
// gradient, and convPartials bounds the floats of its partial sums (16 MiB).
// convLongRow is the output width from which the weight gradient's
// gather copies rows (packColumns) rather than pixels (packPatches).
const (
	convDepth    = 2048
	convPartials = 1 << 22
	convLongRow  = 32
)

// Conv2DBackwardInput runs on the forward's products. At stride 1 it is
// the convolution of dout with the flipped kernel (see the top of this
// file). At a stride S > 1 the input pixels fall into S×S phases by
// (iy mod S, ix mod S), and each phase is a stride-1 convolution of dout
// with a sub-kernel: a pixel iy = S·u + ry is reached only by the taps
// ky ≡ ry + P (mod S), and those read dout rows u + const − t, one per tap
// t. So each phase is one call of convProducts, into a scratch of that
// phase's pixels that is then spread over dx. The phases together do the
// forward's work, no more; folding a stored col matrix back onto dx
// (col2im) would write and read KH·KW/S² times dx's size again.
func (d *Device) Conv2DBackwardInput(dxB, doutB, wB tensor.Buffer, a tensor.Conv2DArgs) {
	dx, dout, w := d.Floats(dxB), d.Floats(doutB), d.Floats(wB)
	S := a.Stride
	if S == 1 {
		y, x := phaseTaps(0, a.KH, a.Pad, 1, a.H), phaseTaps(0, a.KW, a.Pad, 1, a.W)
		d.inputPhase(dx, dout, w, a, y, x)
		return
	}
	buf := convFloats(a.B * a.Cin * ceilDiv(a.H, S) * ceilDiv(a.W, S))
	defer convScratch.Put(buf)
	for ry := range min(S, a.H) {
		for rx := range min(S, a.W) {
			y, x := phaseTaps(ry, a.KH, a.Pad, S, a.H), phaseTaps(rx, a.KW, a.Pad, S, a.W)
			ph := (*buf)[:a.B*a.Cin*y.n*x.n] // [B, Cin, y.n, x.n]
			if y.taps == 0 || x.taps == 0 {
				clear(ph) // no tap reaches these pixels
			} else {
				d.inputPhase(ph, dout, w, a, y, x)
			}
			parallelFor(a.B*a.Cin, y.n*x.n, func(lo, hi int) {
				for plane := lo; plane < hi; plane++ {
					src, dst := ph[plane*y.n*x.n:][:y.n*x.n], dx[plane*a.H*a.W:][:a.H*a.W]
					for u := range y.n {
						row := dst[(S*u+ry)*a.W:][:a.W]
						for v, val := range src[u*x.n : (u+1)*x.n] {
							row[S*v+rx] = val
						}
					}
				}
			})
		}
	}
}

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

// inputPhase computes one phase of the input gradient into out
// [B, Cin, y.n, x.n]: the stride-1 convolution of dout with the sub-kernel
// of taps (q + S·t) of both axes, flipped and with its channel axes
// swapped, wf[ci, co, t', s'] = w[co, ci, qy + S·(Ty−1−t'), qx + S·(Tx−1−s')],
// over dout padded by T−1−d (negative: cropped).
func (d *Device) inputPhase(out, dout, w []float32, a tensor.Conv2DArgs, y, x phase) {
	S, kk := a.Stride, y.taps*x.taps
	buf := convFloats(a.Cin * a.Cout * kk)
	defer convScratch.Put(buf)
	wf := *buf // [Cin, Cout·Ty·Tx]
	for co := range a.Cout {
		for ci := range a.Cin {
			src, dst := w[(co*a.Cin+ci)*a.KH*a.KW:][:a.KH*a.KW], wf[(ci*a.Cout+co)*kk:][:kk]
			for t := range y.taps {
				for s := range x.taps {
					ky, kx := y.q+S*(y.taps-1-t), x.q+S*(x.taps-1-s)
					dst[t*x.taps+s] = src[ky*a.KW+kx]
				}
			}
		}
	}
	g := convGeom{C: a.Cout, H: a.OH(), W: a.OW(), KH: y.taps, KW: x.taps, S: 1,
		PH: y.taps - 1 - y.d, PW: x.taps - 1 - x.d, OH: y.n, OW: x.n}
	d.convProducts(out, wf, dout, g, a.Cout*kk, false)
}
