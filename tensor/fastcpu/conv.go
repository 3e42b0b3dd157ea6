package fastcpu

import (
	"runtime"
	"sync"

	"github.com/ditgo/ditgo/tensor"
)

// The fast device's convolution is the packed GEMM (gemm.go) on the im2col
// matrix of each image,
//
//	col[(ci,ky,kx), (oy,ox)] = x[ci, oy·S + ky − P, ox·S + kx − P]   (0 in the padding)
//
// a [Cin·KH·KW, OH·OW] matrix whose every column holds the input pixels one
// output pixel sees. With it, each kernel of tensor.Conv2DRef and its
// gradients is one matrix product per image (out[b] is [Cout, OH·OW], which
// is already NCHW):
//
//	forward:       out[b] = w · col(x[b])                w viewed [Cout, Cin·KH·KW]
//	weight grad:   dw     = Σ_b dout[b] · col(x[b])ᵀ     one product with K = B·OH·OW
//	input grad:    dx[b]  = col2im(wᵀ · dout[b])
//
// The col matrix is never stored. It is KH·KW times larger than x, and
// writing it to memory and packing it again would cost about as much as
// the product itself at the U-Net's sizes. Instead the GEMM's packing of
// that operand is replaced by a gather from x (gemmOperands.packA/packB):
// each packed panel is built straight from the input planes, mostly by
// copying runs of a row of x (stride 1), and lives in L2 as any packed
// panel does. The rest of the GEMM — blocking, micro-kernel, the worker
// team and its determinism — is unchanged.
//
// The input gradient at stride 1 is itself a convolution: of dout, padded
// by K−1−P, with the kernel flipped in both axes and its two channel axes
// swapped,
//
//	dx[b,ci,iy,ix] = Σ_{co,ky,kx} dout[b,co,iy+ky−(KH−1−P),ix+kx−(KW−1−P)] · w[co,ci,KH−1−ky,KW−1−kx]
//
// so it runs on the forward's gather too (a negative padding, when P > K−1,
// crops instead). At a larger stride that convolution would read a dout
// with S−1 zeros between its pixels, most of the work wasted, so there the
// product wᵀ·dout[b] is formed into a stored col matrix (a pooled scratch,
// a chunk of images at a time) and folded back onto dx by col2im, each
// plane of dx summed by one goroutine.
//
// The bias rides along in the forward product as one more step of the sum:
// w gets the bias as an extra column and col a row of ones, which costs
// 1/(Cin·KH·KW) more work and no pass over out. Its gradient, Σ of dout
// over b, oy and ox, is left to autograd (two Sum kernels: a pass over
// dout, which is small beside the products).

// convGeom is the shape of one im2col matrix over the planes x[c] of one
// image (C of H×W): rows c·KH·KW + ky·KW + kx, columns oy·OW + ox, and
//
//	col[(c,ky,kx), (oy,ox)] = x[c, oy·S + ky − PH, ox·S + kx − PW]
//
// zero outside the plane. The padding may be negative (the input gradient
// at stride 1 when P > K−1).
type convGeom struct {
	C, H, W int
	KH, KW  int
	S       int
	PH, PW  int
	OH, OW  int
}

// forwardGeom is the im2col geometry of the forward pass over x.
func forwardGeom(a tensor.Conv2DArgs) convGeom {
	return convGeom{C: a.Cin, H: a.H, W: a.W, KH: a.KH, KW: a.KW, S: a.Stride, PH: a.Pad, PW: a.Pad, OH: a.OH(), OW: a.OW()}
}

// run writes col[(c,ky,kx), q…q+len(d)−1] into d, where plane is x[c] and
// q = oy·OW + ox a column of this image; d must not run past the image's
// last column. Along one output row the pixels read one row of x, S apart:
// at stride 1 that is a copy, with zeros where the window hangs over the
// padding. (This loop is the price of not storing col; it avoids integer
// divisions, which cost tens of cycles, at stride 1.)
func (g *convGeom) run(d, plane []float32, ky, kx, oy, ox int) {
	for len(d) > 0 {
		n := min(len(d), g.OW-ox) // columns left in output row oy
		iy := oy*g.S + ky - g.PH
		if iy < 0 || iy >= g.H {
			clear(d[:n])
		} else {
			row := plane[iy*g.W : (iy+1)*g.W]
			ix := ox*g.S + kx - g.PW // the input column of d[0]
			// Output j reads input column ix + j·S, inside the row for
			// lo ≤ j < hi.
			var lo, hi int
			if g.S == 1 {
				lo, hi = -ix, g.W-ix
			} else {
				// Rounded up where the numerator is positive; at most 0,
				// which the clamps below read as 0, where it is not.
				lo, hi = ceilDiv(-ix, g.S), ceilDiv(g.W-ix, g.S)
			}
			lo = min(max(lo, 0), n)
			hi = max(min(hi, n), lo)
			if lo > 0 {
				clear(d[:lo])
			}
			if g.S == 1 {
				if lo < hi {
					copy(d[lo:hi], row[ix+lo:ix+hi])
				}
			} else {
				for j := lo; j < hi; j++ {
					d[j] = row[ix+j*g.S]
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

// packRows is a gemmOperands.packB for op(B) = col of the planes x (one
// image), with rows K = C·KH·KW, and with ones an extra row K of ones (the
// bias's step): it packs rows pc…pc+kc−1, columns col…col+w−1, each packed
// row a run of pixels.
func (g *convGeom) packRows(x []float32, ones bool) func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
	return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
		nr, kk, hw := k.nr, g.KH*g.KW, g.H*g.W
		c, ky, kx := pc/kk, pc%kk/g.KW, pc%g.KW
		oy, ox := col/g.OW, col%g.OW // of the panel's first pixel
		for p := range kc {
			d := dst[p*nr : (p+1)*nr]
			if c == g.C { // only with ones: the last row
				for i := range d[:w] {
					d[i] = 1
				}
			} else {
				g.run(d[:w], x[c*hw:(c+1)*hw], ky, kx, oy, ox)
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
// images (the weight gradient): op(B)[q, n] = col_b[n, q − b·P] for the
// image b holding column q, P = OH·OW. A panel's lanes are rows of col;
// they are gathered into a small scratch, one run per lane and image, and
// packed from there as packLanes packs a stored matrix (in assembly where
// the instruction set has it).
func (g *convGeom) packColumns(x []float32) func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
	return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
		P, kk, hw := g.OH*g.OW, g.KH*g.KW, g.H*g.W
		buf := convFloats(w * kc)
		defer convScratch.Put(buf)
		tmp := *buf
		for i := range w {
			n := col + i
			c, ky, kx := n/kk, n%kk/g.KW, n%g.KW
			for q := pc; q < pc+kc; {
				b, local := q/P, q%P
				m := min(pc+kc-q, P-local)
				g.run(tmp[i*kc+q-pc:][:m], x[(b*g.C+c)*hw:][:hw], ky, kx, local/g.OW, local%g.OW)
				q += m
			}
		}
		packLanes(k, dst, tmp, true, kc, kc, w, k.nr)
	}
}

// imageRows is a gemmOperands.packA for op(A)[m, q] = a[b, m, q − b·P], a
// batch of [M, P] matrices side by side along K (dout in the weight
// gradient): each image's part of a sliver is packed as packLanes packs a
// stored matrix.
func imageRows(a []float32, M, P int) func(k *gemmKernel, dst []float32, row, h, pc, kc int) {
	return func(k *gemmKernel, dst []float32, row, h, pc, kc int) {
		for q := pc; q < pc+kc; {
			b, local := q/P, q%P
			m := min(pc+kc-q, P-local)
			packLanes(k, dst[(q-pc)*k.mr:], a[(b*M+row)*P+local:], true, P, m, h, k.mr)
			q += m
		}
	}
}

// convScratch holds the pooled scratch of the convolution: the weights
// with their bias column or flipped, the gathered lanes of a panel, and
// the col matrices of the strided input gradient.
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

// Conv2D: out[b] = [w | bias] · [col(x[b]); 1], one product per image.
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
	d.convProducts(out, w, x, g, K, bias != nil)
}

// convProducts computes out[b] = w · col_g(x[b]) for every image b: w is
// [M, K] with M = len(w)/K, and K is g's C·KH·KW, plus one with ones.
func (d *Device) convProducts(out, w, x []float32, g convGeom, K int, ones bool) {
	M, N := len(w)/K, g.OH*g.OW
	in := g.C * g.H * g.W // floats of one image of x
	batch := len(x) / in
	item := func(b int) gemmOperands {
		return gemmOperands{
			c: out[b*M*N : (b+1)*M*N : (b+1)*M*N], a: w,
			M: M, N: N, K: K,
			packB: g.packRows(x[b*in:(b+1)*in:(b+1)*in], ones),
		}
	}
	gemmBatch(&d.set.gemm, &d.scratch, batch, M*N*K, item, runtime.GOMAXPROCS(0))
}

// Conv2DBackwardWeight: dw (+)= Σ_b dout[b] · col(x[b])ᵀ as one product
// whose K runs over every pixel of every image.
func (d *Device) Conv2DBackwardWeight(dwB, doutB, xB tensor.Buffer, a tensor.Conv2DArgs, accumulate bool) {
	dw, dout, x := d.Floats(dwB), d.Floats(doutB), d.Floats(xB)
	g := forwardGeom(a)
	P := g.OH * g.OW
	M, N, K := a.Cout, a.Cin*a.KH*a.KW, a.B*P
	item := func(int) gemmOperands {
		return gemmOperands{
			c: dw, M: M, N: N, K: K, accumulate: accumulate,
			packA: imageRows(dout, M, P),
			packB: g.packColumns(x),
		}
	}
	gemmBatch(&d.set.gemm, &d.scratch, 1, M*N*K, item, runtime.GOMAXPROCS(0))
}

// convColScratch bounds the floats of the col matrices that the strided
// input gradient holds at once (16 MiB).
const convColScratch = 1 << 22

// Conv2DBackwardInput: at stride 1, the forward's products on dout with
// the flipped kernel; at larger strides, col = wᵀ · dout[b] for a chunk of
// images, then col2im.
func (d *Device) Conv2DBackwardInput(dxB, doutB, wB tensor.Buffer, a tensor.Conv2DArgs) {
	dx, dout, w := d.Floats(dxB), d.Floats(doutB), d.Floats(wB)
	kk := a.KH * a.KW
	if a.Stride == 1 {
		// wf[ci, co, ky, kx] = w[co, ci, KH−1−ky, KW−1−kx]: [Cin, Cout·KH·KW].
		buf := convFloats(a.Cin * a.Cout * kk)
		defer convScratch.Put(buf)
		wf := *buf
		for co := range a.Cout {
			for ci := range a.Cin {
				src, dst := w[(co*a.Cin+ci)*kk:][:kk], wf[(ci*a.Cout+co)*kk:][:kk]
				for i, v := range src {
					dst[kk-1-i] = v // reversing the KH·KW block flips both axes
				}
			}
		}
		g := convGeom{C: a.Cout, H: a.OH(), W: a.OW(), KH: a.KH, KW: a.KW, S: 1,
			PH: a.KH - 1 - a.Pad, PW: a.KW - 1 - a.Pad, OH: a.H, OW: a.W}
		d.convProducts(dx, wf, dout, g, a.Cout*kk, false)
		return
	}

	M, N, K := a.Cin*kk, a.OH()*a.OW(), a.Cout // col[b] = wᵀ · dout[b]
	chunk := max(1, min(a.B, convColScratch/(M*N)))
	buf := convFloats(chunk * M * N)
	defer convScratch.Put(buf)
	col := *buf
	for b0 := 0; b0 < a.B; b0 += chunk {
		n := min(chunk, a.B-b0)
		item := func(i int) gemmOperands {
			b := b0 + i
			return gemmOperands{
				c: col[i*M*N : (i+1)*M*N : (i+1)*M*N], a: w, transA: true,
				b: dout[b*K*N : (b+1)*K*N : (b+1)*K*N],
				M: M, N: N, K: K,
			}
		}
		gemmBatch(&d.set.gemm, &d.scratch, n, M*N*K, item, runtime.GOMAXPROCS(0))
		parallelFor(n*a.Cin, M*N/a.Cin, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				i, ci := p/a.Cin, p%a.Cin
				col2im(dx[((b0+i)*a.Cin+ci)*a.H*a.W:][:a.H*a.W], col[(i*M+ci*kk)*N:][:kk*N], a)
			}
		})
	}
}

// col2im sums into plane (one input plane of dx, H×W) the KH·KW rows of col
// that belong to it ([KH·KW, OH·OW]): each (ky, kx, oy, ox) adds to the
// input pixel that it read in the forward pass.
func col2im(plane, col []float32, a tensor.Conv2DArgs) {
	OH, OW := a.OH(), a.OW()
	clear(plane)
	for ky := range a.KH {
		for kx := range a.KW {
			rows := col[(ky*a.KW+kx)*OH*OW:][:OH*OW]
			for oy := range OH {
				iy := oy*a.Stride + ky - a.Pad
				if iy < 0 || iy >= a.H {
					continue
				}
				dst, src := plane[iy*a.W:][:a.W], rows[oy*OW:][:OW]
				for ox, v := range src {
					if ix := ox*a.Stride + kx - a.Pad; ix >= 0 && ix < a.W {
						dst[ix] += v
					}
				}
			}
		}
	}
}
