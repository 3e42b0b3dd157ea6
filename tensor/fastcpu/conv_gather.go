package fastcpu

import (
	"slices"

	"github.com/ditgo/ditgo/tensor"
)

// The gathers of the convolution (conv.go): the im2col matrix of an image,
// or of images side by side, written straight into the GEMM's packed
// panels and slivers from input planes prepared for it.

// convGeom is the shape of the im2col matrix over the planes of one image
// (C planes of H×W), with rows c·KH·KW + ky·KW + kx and columns
// oy·OW + ox:
//
//	col[(c,ky,kx), (oy,ox)] = x[c, oy·S + ky − PH, ox·S + kx − PW]   (0 outside the plane)
//
// PH and PW pad the top and the left; the padding may be negative (the
// input gradient at stride 1 when P > K−1), which crops.
//
// The gathers read prepared planes (prepare): each plane cut or padded to
// exactly the Hp = (OH−1)·S + KH rows and Wp = (OW−1)·S + KW columns that
// the windows read, from row −PH and column −PW of x on, and split into
// S×S phase images by the parity (mod S) of the padded row and column:
// phase image (ry, rx) holds the padded pixels (S·u + ry, S·v + rx) as
// its Hr = ⌈Hp/S⌉ rows of Wr = ⌈Wp/S⌉ (zero past the padded plane's end).
// Then the tap (c, ky, kx) of output (oy, ox) is element
//
//	c·plane + tap[ky·KW + kx] + oy·Wr + ox
//	    plane = S·S·Hr·Wr,
//	    tap[ky·KW + kx] = ((ky mod S)·S + kx mod S)·Hr·Wr + ⌊ky/S⌋·Wr + ⌊kx/S⌋
//
// of the image's prepared planes (rowStep = Wr), and the next output pixel
// of a row is the next element: one output row's taps are a contiguous
// run, and finding one is a few additions (integer divisions, which cost
// tens of cycles, stay out of the gathers). At stride 1 there is one
// phase image, the padded plane itself, whose rows share their padding:
// the zeros right of a row are the zeros left of the next (shared), so
// the stored pitch is Wr = Wp − PW at a 'same' padding, W+1 at 3×3.
//
// A wide geometry (widen) takes the Wr columns of each phase row as output
// columns, OW = Wr, of which the first ow are the convolution's and the
// last Wr − ow are not (their windows run into the next row). Then the
// taps of one row of col are a single run across the image,
// xs[c·plane + tap[ky·KW + kx] + oy·Wr + ox], and a packed row is one copy
// (copyRows), at the price of the unused columns: with a 3×3 kernel one a
// row at strides 1 and 2, 3% at 32×32 and 11% at 8×8.
type convGeom struct {
	C, H, W int
	KH, KW  int
	S       int
	PH, PW  int
	OH, OW  int

	// Set by setup: the prepared planes' sizes and offsets, as above.
	hp, wp, hr, wr int
	plane, rowStep int
	tap            []int

	// Set by widen: ow is the convolution's width, and rowOff[c·KH·KW + t]
	// is the offset c·plane + tap[t] of row (c, t) of col.
	wide   bool
	ow     int
	rowOff []int
}

// setup computes g's prepared-plane sizes and tap offsets, and returns g.
func (g *convGeom) setup() *convGeom {
	S := g.S
	g.hp, g.wp = (g.OH-1)*S+g.KH, (g.OW-1)*S+g.KW
	g.hr, g.wr = ceilDiv(g.hp, S), ceilDiv(g.wp, S)
	if S == 1 { // a row's right padding is the next row's left padding
		g.wr -= shared(g.PW, g.wp-g.PW-g.W, g.KW)
	}
	g.plane, g.rowStep = S*S*g.hr*g.wr, g.wr
	g.tap = make([]int, g.KH*g.KW)
	for ky := range g.KH {
		for kx := range g.KW {
			g.tap[ky*g.KW+kx] = ((ky%S)*S+kx%S)*g.hr*g.wr + ky/S*g.wr + kx/S
		}
	}
	return g
}

// shared returns how many of the zeros that pad one side of a row (or of
// an image) may be the zeros that pad the other side of the next one: the
// stored pitch is then that many floats shorter. before and after are the
// two paddings (negative: a crop), k the kernel's size; at most k−1, so
// that the pitch still holds every output of a row.
func shared(before, after, k int) int {
	return max(0, min(before, after, k-1))
}

// stacking returns the layout of n images stacked (prepareStacked): the
// rows of image b begin b·image floats into each of its channel's phase
// images, a phase image of the n images is step floats, and a channel
// block floats. At stride 1 an image's bottom padding rows are the next
// image's top padding rows, as a row's padding is shared in setup.
func (g *convGeom) stacking(n int) (image, step, block int) {
	rows, extra := g.hr, 0
	if g.S == 1 {
		extra = shared(g.PH, g.hp-g.PH-g.H, g.KH)
		rows -= extra
	}
	image = rows * g.wr
	step = n*image + extra*g.wr
	return image, step, g.S * g.S * step
}

// widen returns g as a wide geometry (see convGeom).
func (g *convGeom) widen() *convGeom {
	w := *g
	w.wide, w.ow, w.OW = true, g.OW, g.wr
	return w.withRowOffsets()
}

// withRowOffsets returns g with rowOff set (see convGeom), for rowsIn.
func (g *convGeom) withRowOffsets() *convGeom {
	w := *g
	kk := g.KH * g.KW
	w.rowOff = make([]int, g.C*kk)
	for c := range g.C {
		for t := range kk {
			w.rowOff[c*kk+t] = c*g.plane + g.tap[t]
		}
	}
	return &w
}

// subKernel returns g restricted to its th×tw taps from tap (ty, tx) on:
// a geometry over the same prepared planes (prepare g, not the result)
// whose col matrix has only the rows of those taps, in the order
// (c, t, s). The strided input gradient's phases read one prepared dout
// through it.
func (g *convGeom) subKernel(ty, th, tx, tw int) *convGeom {
	s := *g
	s.KH, s.KW = th, tw
	s.tap = make([]int, th*tw)
	for t := range th {
		for u := range tw {
			s.tap[t*tw+u] = g.tap[(ty+t)*g.KW+tx+u]
		}
	}
	if g.wide {
		s.rowOff = make([]int, g.C*th*tw)
		for c := range g.C {
			for t, off := range s.tap {
				s.rowOff[c*th*tw+t] = c*g.plane + off
			}
		}
	}
	return &s
}

// forwardGeom is the im2col geometry of the forward pass and the weight
// gradient over x.
func forwardGeom(a tensor.Conv2DArgs) *convGeom {
	g := convGeom{C: a.Cin, H: a.H, W: a.W, KH: a.KH, KW: a.KW, S: a.Stride, PH: a.Pad, PW: a.Pad, OH: a.OH(), OW: a.OW()}
	return g.setup()
}

// pointwise reports whether col(x) of one image is x itself: one tap, at
// stride 1, with no padding or crop.
func (g *convGeom) pointwise() bool {
	return g.KH*g.KW == 1 && g.S == 1 && g.PH == 0 && g.PW == 0 && g.OH == g.H && g.OW == g.W
}

// prepare returns the prepared planes of x [images, C, H, W] (see
// convGeom): in a pooled buffer, buf, that the caller puts back, or x
// itself (buf nil) where there is nothing to pad or split. The planes are
// split over the cores when workers > 1. It is called for the few images
// of one unit of work at a time, so that they are prepared while in cache
// and read back from there.
//
// The last row reads up to KW−1 floats past the last plane (a wide
// geometry's unused columns, or the right padding that a row shares with
// the next): those are zeros at the end of xs.
func (g *convGeom) prepare(set *instructionSet, x []float32, workers int) (xs []float32, buf *[]float32) {
	if !g.wide && g.PH == 0 && g.PW == 0 && g.S == 1 && g.hp == g.H && g.wp == g.W {
		return x, nil
	}
	return g.prepareAs(set, x, workers, false, 0)
}

// prepareStacked is prepare with the n images of x stacked: channel by
// channel, and within a channel phase image by phase image, the n images'
// phase images one after another (stacking),
//
//	xs[c·block + ph·step + b·image + u·Wr + v],  ph = ry·S + rx
//
// so that a run over the pixels of one image goes on into the next: the
// images are one tall image, whose rows between them are unused like the
// wide geometry's columns (weightGradChannelsLast).
func (g *convGeom) prepareStacked(set *instructionSet, x []float32, workers int) (xs []float32, buf *[]float32) {
	return g.prepareAs(set, x, workers, true, 0)
}

// prepareAs is prepare, into planes stacked or not (prepareStacked), with
// extra floats of xs past the slack left for the caller.
func (g *convGeom) prepareAs(set *instructionSet, x []float32, workers int, stacked bool, extra int) (xs []float32, buf *[]float32) {
	S, Wr := g.S, g.wr
	planes := len(x) / (g.H * g.W)
	n := planes / g.C // images
	size := planes * g.plane
	image, step, block := g.hr*Wr, g.hr*Wr, g.plane // floats of a phase image, and so on
	if stacked {
		image, step, block = g.stacking(n)
		size = g.C * block
	}
	// The last row's windows read past the last plane: a wide geometry's
	// unused columns, and a shared padding's last zeros.
	slack := g.KW
	buf = convFloats(size + slack + extra)
	xs = *buf
	clear(xs[size : size+slack])
	body := func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			src := x[pl*g.H*g.W:][:g.H*g.W]
			// The plane's phase image ph starts at dst[ph·step]. Its
			// padded rows up to rows are written: a stacked image's
			// last padding rows are the next image's first, which that
			// image writes.
			at, rows := pl*block, S*g.hr
			if stacked {
				b, c := pl/g.C, pl%g.C
				at = c*block + b*image
				if b < n-1 {
					rows = S * image / Wr
				}
			}
			dst := xs[at:]
			if S == 1 {
				g.prepareRows(set, dst[:rows*Wr], src)
				continue
			}
			if S == 2 && g.PW >= 0 && g.wp >= g.PW+g.W {
				g.preparePairs(dst, src, rows, step)
				continue
			}
			for r := range rows {
				// Padded row r is row r/S of the phase images (r mod S, ·):
				// at, then step further for each column phase.
				at := r%S*S*step + r/S*Wr
				iy := r - g.PH
				if r >= g.hp || iy < 0 || iy >= g.H {
					for ph := range S {
						clear(dst[at+ph*step:][:Wr])
					}
					continue
				}
				in := src[iy*g.W:][:g.W]
				// Padded column j is input column j − PW; it goes to
				// phase j mod S, place j/S. Place i of phase ph holds
				// input column i·S + ph − PW, inside the row for
				// lo ≤ i < hi.
				for ph := range S {
					dst := dst[at+ph*step:][:Wr]
					off := ph - g.PW
					lo := min(max(ceilDiv(-off, S), 0), Wr)
					hi := max(min(ceilDiv(g.W-off, S), ceilDiv(g.wp-ph, S), Wr), lo)
					clear(dst[:lo])
					if S == 1 {
						copy(dst[lo:hi], in[lo+off:hi+off])
					} else {
						for i := lo; i < hi; i++ {
							dst[i] = in[i*S+off]
						}
					}
					clear(dst[hi:])
				}
			}
		}
	}
	if workers > 1 {
		parallelFor(planes, g.plane, body)
	} else {
		body(0, planes)
	}
	return xs, buf
}

// prepareRows writes the padded rows of one plane at stride 1 into dst,
// len(dst)/Wr rows from row 0: each row is lo zeros, the input's columns
// lo−PW … hi−PW−1, and zeros up to Wr (padRows); the rows above and below
// the input are zeros.
func (g *convGeom) prepareRows(set *instructionSet, dst, src []float32) {
	Wr := g.wr
	lo := min(max(g.PW, 0), Wr)
	hi := max(min(g.W+g.PW, Wr), lo)
	rows := len(dst) / Wr
	// Rows r0 … r1−1 hold input rows r − PH.
	r0 := min(max(g.PH, 0), rows)
	r1 := max(min(g.PH+g.H, rows), r0)
	clear(dst[:r0*Wr])
	clear(dst[r1*Wr : rows*Wr])
	if hi == lo {
		clear(dst[r0*Wr : r1*Wr])
		return
	}
	padRows(set, dst[r0*Wr:r1*Wr], src[(r0-g.PH)*g.W+lo-g.PW:], Wr, g.W, lo, hi-lo)
}

// preparePairs writes the first rows padded rows of one plane at stride 2
// into its four phase images, step floats apart in dst, for the usual
// case: a padding pw ≥ 0 on the left and at least enough columns to hold
// the row. Padded column j = ix + pw of a row goes to place j/2 of its
// even or odd phase row, and the other places are zero. The places are
// found once for all rows, and each row's split is a few loops with no
// calls or divisions: at UNet-B's sizes a row is 8 to 16 pairs, and a
// split a call per row (the first form) cost as long as the split, 40% of
// the strided weight gradient at 16×16.
func (g *convGeom) preparePairs(dst, src []float32, rows, step int) {
	Wr, pw, n := g.wr, g.PW, g.W
	// Places with input: even i for pw ≤ 2i < pw+n, odd i for
	// pw ≤ 2i+1 < pw+n.
	eLo, eHi := (pw+1)/2, (pw+n+1)/2
	oLo, oHi := pw/2, (pw+n)/2
	e0, o0 := 2*eLo-pw, 2*oLo+1-pw // their first input columns
	for r := range rows {
		at := r&1*2*step + r>>1*Wr
		even, odd := dst[at:][:Wr], dst[at+step:][:Wr]
		iy := r - g.PH
		if r >= g.hp || iy < 0 || iy >= g.H {
			for i := range even {
				even[i], odd[i] = 0, 0
			}
			continue
		}
		in := src[iy*n:][:n]
		for i := range even[:eLo] {
			even[i] = 0
		}
		for i := range odd[:oLo] {
			odd[i] = 0
		}
		if e := even[eLo:eHi]; len(e) > 0 {
			ein := in[e0:][:2*len(e)-1]
			for i := range e {
				e[i] = ein[2*i]
			}
		}
		if o := odd[oLo:oHi]; len(o) > 0 {
			oin := in[o0:][:2*len(o)-1]
			for i := range o {
				o[i] = oin[2*i]
			}
		}
		for i := range even[eHi:] {
			even[eHi+i] = 0
		}
		for i := range odd[oHi:] {
			odd[oHi+i] = 0
		}
	}
}

// run writes into d the im2col values of len(d) successive pixels of one
// image, under one tap: the first pixel's value is img[i] and its column
// is ox, and d must not run past the image's last pixel. Each output row
// is one copy.
func (g *convGeom) run(d, img []float32, i, ox int) {
	for len(d) > 0 {
		n := min(len(d), g.OW-ox) // pixels left in this output row
		copyRun(d[:n], img[i:i+n])
		d = d[n:]
		i += g.rowStep - ox
		ox = 0
	}
}

// copyRun copies src to dst, which have one length. The gathers copy
// many short runs (an output row of 8 or 16 pixels), for which calling
// memmove costs more than the copy: those go eight floats at a time, in
// registers.
func copyRun(dst, src []float32) {
	if len(dst) > 32 {
		copy(dst, src)
		return
	}
	src = src[:len(dst)]
	for len(dst) >= 8 { // two 16-byte moves each (an [8]float32 would call memmove)
		*(*[4]float32)(dst) = *(*[4]float32)(src)
		*(*[4]float32)(dst[4:]) = *(*[4]float32)(src[4:])
		dst, src = dst[8:], src[8:]
	}
	for j := range dst {
		dst[j] = src[j]
	}
}

// padRows writes len(dst)/ldd padded rows of ldd floats: row r is lo
// zeros, the n floats src[r·lds …], and zeros up to ldd. The instruction
// set's padRows does it in assembly; the Go loop copies a row without a
// call where it is short (copyRun): 8 to 32 floats at UNet-B's sizes.
func padRows(set *instructionSet, dst, src []float32, ldd, lds, lo, n int) {
	rows := len(dst) / ldd
	if rows == 0 {
		return
	}
	if lo < 0 || n <= 0 || lo+n > ldd || len(dst) != rows*ldd {
		panic("fastcpu: padRows of a row that does not fit")
	}
	_ = src[(rows-1)*lds+n-1]
	if set.padRows != nil && ldd <= 48 {
		set.padRows(dst, src, ldd, lds, lo, n)
		return
	}
	for r := range rows {
		row := dst[r*ldd:][:ldd]
		for i := range row[:lo] {
			row[i] = 0
		}
		copyRun(row[lo:lo+n], src[r*lds:])
		for i := range row[lo+n:] {
			row[lo+n+i] = 0
		}
	}
}

// copyRows writes n floats a row, dst[p·ldd + i] = src[offs[p] + i] for
// p < len(offs) and i < n ≤ 32: the packed rows of a wide geometry, one
// run each. The instruction set's convRows does it in assembly.
func copyRows(set *instructionSet, dst, src []float32, offs []int, n, ldd int) {
	if !rowsInBounds(dst, src, offs, n, ldd) {
		return
	}
	if set.convRows != nil {
		set.convRows(dst, src, offs, n, ldd)
		return
	}
	for p, o := range offs {
		copy(dst[p*ldd:p*ldd+n], src[o:o+n])
	}
}

// copyRowsAdd is copyRows with add added to each value,
// dst[p·ldd + i] = src[offs[p] + i] + add: the rows of a wide product
// copied out with the bias of their channel. The instruction set's
// convRowsAdd does it in assembly.
func copyRowsAdd(set *instructionSet, dst, src []float32, offs []int, n, ldd int, add float32) {
	if !rowsInBounds(dst, src, offs, n, ldd) {
		return
	}
	if set.convRowsAdd != nil {
		set.convRowsAdd(dst, src, offs, n, ldd, add)
		return
	}
	for p, o := range offs {
		for i, v := range src[o : o+n] {
			dst[p*ldd+i] = v + add
		}
	}
}

// rowsInBounds checks the rows of copyRows and copyRowsAdd: it panics if
// one of them would reach outside dst or src (or n > 32), and reports
// whether there is anything to copy.
func rowsInBounds(dst, src []float32, offs []int, n, ldd int) bool {
	if len(offs) == 0 || n == 0 {
		return false
	}
	if n > 32 {
		panic("fastcpu: copyRows of more than 32 lanes")
	}
	_ = dst[(len(offs)-1)*ldd+n-1]
	lo, hi := offs[0], offs[0]
	for _, o := range offs {
		lo, hi = min(lo, o), max(hi, o)
	}
	_, _ = src[lo], src[hi+n-1]
	return true
}

// packFunc is a gemmOperands.packB: it packs op(B)[pc:pc+kc, col:col+w]
// into dst as packPanel would.
type packFunc = func(k *gemmKernel, dst []float32, col, w, pc, kc int)

// segment is a run of a panel's columns that lie in one image: lanes
// at…at+n−1, which are pixels p…p+n−1 of image i.
type segment struct{ at, n, i, p int }

// segments cuts columns col…col+w−1 of images of P pixels, laid side by
// side, where one image ends and the next begins, using buf's storage
// where it suffices.
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
// the col matrices of the images of xs (prepared planes) side by side
// (columns i·P + oy·OW + ox), with rows C·KH·KW, and with ones an extra
// row of ones (the bias's step): it packs rows pc…pc+kc−1, columns
// col…col+w−1, each packed row a few runs (one per image in a wide
// geometry, copied by set's copyRows).
func (g *convGeom) packRows(xs []float32, ones bool, set *instructionSet) packFunc {
	kk, P := g.KH*g.KW, g.OH*g.OW
	in := g.C * g.plane // floats of one image
	// With one tap at the origin of planes of P pixels, col(x) is x.
	pointwise := kk == 1 && g.S == 1 && g.tap[0] == 0 && g.plane == P
	return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
		var buf [16]segment
		segs := segments(buf[:], col, w, P)
		// Each segment's first pixel in xs, under tap 0 of plane 0.
		var baseBuf [16]int
		base := baseBuf[:0]
		for _, s := range segs {
			base = append(base, s.i*in+s.p/g.OW*g.rowStep+s.p%g.OW)
		}
		nr := k.nr
		if g.wide {
			rows := min(kc, g.C*kk-pc) // the rest is the row of ones
			for j, s := range segs {
				copyRows(set, dst[s.at:], xs[base[j]:], g.rowOff[pc:pc+rows], s.n, nr)
			}
			for p := range kc {
				if p < rows && w == nr {
					continue
				}
				d := dst[p*nr : (p+1)*nr]
				if p >= rows {
					for i := range d[:w] {
						d[i] = 1
					}
				}
				clear(d[w:])
			}
			return
		}
		c, t := pc/kk, pc%kk // plane and tap of row pc
		start := 0
		if pointwise && len(segs) == 1 && c < g.C {
			// col(x[i]) is x[i] itself, [C, P]: its rows up to the row of
			// ones are packed as a stored matrix.
			s := segs[0]
			start = min(kc, g.C-c)
			packLanes(k, dst, xs[s.i*in+c*P+s.p:], false, P, start, w, nr)
			c += start
		}
		for p := start; p < kc; p++ {
			d := dst[p*nr : (p+1)*nr]
			if c == g.C { // only with ones: the last row
				for i := range d[:w] {
					d[i] = 1
				}
			} else {
				off := c*g.plane + g.tap[t]
				for j, s := range segs {
					g.run(d[s.at:s.at+s.n], xs, base[j]+off, s.p%g.OW)
				}
			}
			clear(d[w:])
			if t++; t == kk {
				t, c = 0, c+1
			}
		}
	}
}

// rowsIn is a gemmOperands.rowsB for packRows's op(B) with no row of
// ones, on a geometry with rowOff (widen, withRowOffsets): a panel of nr
// columns that lie in one image, and at stride 1 in one output row unless
// the geometry is wide, is read where xs holds it, row (c, t) of col at
// the image's xs[c·plane + tap[t] + oy·rowStep + ox], the offsets rowOff.
// The other panels are packed.
func (g *convGeom) rowsIn(xs []float32, nr int) func(col, pc, kc int) ([]float32, []int, int) {
	P, in := g.OH*g.OW, g.C*g.plane
	maxOff := slices.Max(g.rowOff)
	return func(col, pc, kc int) ([]float32, []int, int) {
		i, p := col/P, col%P
		if p+nr > P || pc+kc > len(g.rowOff) || !g.wide && (g.S != 1 || p%g.OW+nr > g.OW) {
			return nil, nil, 0
		}
		return xs[i*in+p/g.OW*g.rowStep+p%g.OW:], g.rowOff[pc : pc+kc], maxOff
	}
}

// packColumns is a gemmOperands.packB for op(B) = colᵀ over a batch of
// images (the weight gradient): op(B)[q, n] = col_b[n, k0 + q − b·P] for
// the image b holding pixel k0 + q, P = OH·OW, from prepared planes. A
// panel's lanes are rows of col; they are gathered into a small scratch,
// a few runs per lane, and packed from there as packLanes packs a stored
// matrix (in assembly where the instruction set has it).
func (g *convGeom) packColumns(xs []float32, k0 int) packFunc {
	kk, P := g.KH*g.KW, g.OH*g.OW
	in := g.C * g.plane
	return func(k *gemmKernel, dst []float32, col, w, pc, kc int) {
		buf := convFloats(w * kc)
		defer convScratch.Put(buf)
		tmp := *buf
		var sbuf [16]segment
		segs := segments(sbuf[:], k0+pc, kc, P) // the steps, cut where images end
		for i := range w {
			n := col + i
			off := n/kk*g.plane + g.tap[n%kk]
			for _, s := range segs {
				b := s.i*in + s.p/g.OW*g.rowStep + s.p%g.OW
				g.run(tmp[i*kc+s.at:][:s.n], xs, b+off, s.p%g.OW)
			}
		}
		packLanes(k, dst, tmp, true, kc, kc, w, k.nr)
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
