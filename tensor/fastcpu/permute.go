package fastcpu

import "github.com/ditgo/ditgo/tensor"

// Permute on the fast device copies whole rows when the last axis stays
// last — as in splitting heads ([B,T,H,Dh] → [B,H,T,Dh]) and patchify —
// instead of one element at a time; other permutations use the reference.
func (d *Device) Permute(outB, xB tensor.Buffer, p tensor.PermuteArgs) {
	r := p.Rank
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
	var idx, outShape [tensor.MaxRank]int // the output index over the leading r−1 axes
	for a := range r {
		outShape[a] = p.Shape[p.Perm[a]]
	}
	for o := 0; o < len(out); o += inner {
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
}
