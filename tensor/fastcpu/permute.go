package fastcpu

import "github.com/ditgo/ditgo/tensor"

// Permute on the fast device copies whole rows when the last axis stays
// last — as in splitting heads ([B,T,H,Dh] → [B,H,T,Dh]) and patchify —
// instead of one element at a time, and swaps the last two axes (the
// U-Net's attention blocks, [B,C,T] ↔ [B,T,C]) as a batched transpose in
// tiles; other permutations use the reference. Both split their work
// over the cores.
func (d *Device) Permute(outB, xB tensor.Buffer, p tensor.PermuteArgs) {
	r := p.Rank
	if r >= 2 && p.Perm[r-2] == r-1 && p.Perm[r-1] == r-2 && leadingKept(p) {
		batch := 1
		for a := range r - 2 {
			batch *= p.Shape[a]
		}
		transposeTiles(d.Floats(outB), d.Floats(xB), batch, p.Shape[r-2], p.Shape[r-1])
		return
	}
	if r < 2 || p.Perm[r-1] != r-1 {
		d.CPU.Permute(outB, xB, p)
		return
	}
	out, x := d.Floats(outB), d.Floats(xB)
	inner := p.Shape[r-1]
	// stride[a]: the step in x for one step along input axis a.
	var stride [tensor.MaxRank]int
	s := 1
	for a := r - 1; a >= 0; a-- {
		stride[a] = s
		s *= p.Shape[a]
	}
	var outShape [tensor.MaxRank]int
	for a := range r {
		outShape[a] = p.Shape[p.Perm[a]]
	}
	// The output's rows of inner floats are split over the cores; each
	// range starts from the index of its first row.
	parallelFor(len(out)/inner, inner, func(lo, hi int) {
		var idx [tensor.MaxRank]int // the output index over the leading r−1 axes
		for a, rest := r-2, lo; a >= 0; a-- {
			idx[a], rest = rest%outShape[a], rest/outShape[a]
		}
		for o := lo * inner; o < hi*inner; o += inner {
			src := 0
			for a := range r - 1 {
				src += idx[a] * stride[p.Perm[a]]
			}
			copy(out[o:o+inner], x[src:src+inner])
			for a := r - 2; a >= 0; a-- {
				idx[a]++
				if idx[a] < outShape[a] {
					break
				}
				idx[a] = 0
			}
		}
	})
}

// leadingKept reports whether p keeps every axis but the last two in place.
func leadingKept(p tensor.PermuteArgs) bool {
	for a := range p.Rank - 2 {
		if p.Perm[a] != a {
			return false
		}
	}
	return true
}

// transposeTiles writes out[b, c, r] = x[b, r, c] for batch matrices x of
// rows × cols, a tile of 16 rows by 16 columns at a time: the tile's 16
// output rows stay in cache while it is written, where a whole output row
// at a time would touch a new cache line for every value it reads. Row
// blocks of the batch are shared over the cores.
func transposeTiles(out, x []float32, batch, rows, cols int) {
	const t = 16
	blocks := ceilDiv(rows, t) // row blocks of one matrix
	parallelFor(batch*blocks, t*cols, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			b, r0 := u/blocks, u%blocks*t
			r1 := min(r0+t, rows)
			xb, ob := x[b*rows*cols:][:rows*cols], out[b*rows*cols:][:rows*cols]
			for c0 := 0; c0 < cols; c0 += t {
				c1 := min(c0+t, cols)
				for r := r0; r < r1; r++ {
					for j, v := range xb[r*cols+c0 : r*cols+c1] {
						ob[(c0+j)*rows+r] = v
					}
				}
			}
		}
	})
}
