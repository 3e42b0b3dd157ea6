package tensor

import (
	"fmt"
	"slices"
)

// Permute returns x with its axes reordered: output axis i is input axis
// perm[i]. Permute(x, 1, 0) transposes a matrix. Patchify, Unpatchify,
// SplitHeads and MergeHeads are all one Permute between two reshapes.
func Permute(x *Tensor, perm ...int) *Tensor {
	dev := mustSameDevice("Permute", x)
	mustFloat("Permute", x)
	if len(perm) != x.Rank() {
		panic(fmt.Sprintf("tensor.Permute: perm %v for shape %v", perm, x.shape))
	}
	seen := make([]bool, len(perm))
	args := PermuteArgs{Rank: x.Rank()}
	outShape := make([]int, len(perm))
	for i, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			panic(fmt.Sprintf("tensor.Permute: perm %v is not a permutation of the axes of %v", perm, x.shape))
		}
		seen[p] = true
		args.Shape[i] = x.shape[i]
		args.Perm[i] = p
		outShape[i] = x.shape[p]
	}
	out := New(dev, outShape...)
	dev.Permute(out.buf, x.buf, args)
	return out
}

// InversePerm returns the permutation that undoes perm.
func InversePerm(perm []int) []int {
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	return inv
}

// PermuteRef computes, for every output index (j₀ … j_{r-1}):
//
//	out[j₀, …, j_{r-1}] = x[i]  where  i_{Perm[a]} = j_a  for every axis a
//
// walking the output in row-major order.
func PermuteRef[F Float](out, x []F, p PermuteArgs) {
	r := p.Rank
	shape := p.Shape[:r]
	// stride[a] is the step in x for one step along input axis a.
	stride := make([]int, r)
	s := 1
	for a := r - 1; a >= 0; a-- {
		stride[a] = s
		s *= shape[a]
	}
	outShape := make([]int, r)
	for a := range r {
		outShape[a] = shape[p.Perm[a]]
	}
	idx := make([]int, r) // the output index, counted like an odometer
	for o := range out {
		src := 0
		for a := range r {
			src += idx[a] * stride[p.Perm[a]]
		}
		out[o] = x[src]
		for a := r - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < outShape[a] {
				break
			}
			idx[a] = 0
		}
	}
}

// A Layout is a reshape to View, a permutation Perm of its axes, and a
// reshape to Out. Every data-movement op of a DiT is one: patchify,
// unpatchify, and splitting and merging attention heads. Only the middle
// step moves data.
type Layout struct {
	View, Perm, Out []int
}

// Rearrange applies a layout to x: Permute(x viewed as l.View, l.Perm...),
// returned with shape l.Out.
func Rearrange(x *Tensor, l Layout) *Tensor {
	x.mustLive("Rearrange")
	return Permute(x.Reshape(l.View...), l.Perm...).reshapeOwned(l.Out...)
}

// Inverse is the layout that takes Rearrange's output back to shape in.
func (l Layout) Inverse(in []int) Layout {
	permuted := make([]int, len(l.Perm)) // the shape right after the permutation
	for i, p := range l.Perm {
		permuted[i] = l.View[p]
	}
	return Layout{View: permuted, Perm: InversePerm(l.Perm), Out: slices.Clone(in)}
}

// PatchifyLayout cuts images into P×P patches, the input layout of DiT's
// patch embedding (a Conv2d with kernel = stride = P, seen as a Linear):
//
//	in:  [B, C, H, W]
//	out: [B, T, C·P·P]   T = (H/P)·(W/P), patches in row-major order,
//	                     each patch laid out (channel, row, col)
func PatchifyLayout(in []int, p int) Layout {
	if len(in) != 4 || p <= 0 || in[2]%p != 0 || in[3]%p != 0 {
		panic(fmt.Sprintf("tensor.Patchify: image %v with patch %d: want [B, C, H, W] with H and W multiples of P", in, p))
	}
	b, c, hp, wp := in[0], in[1], in[2]/p, in[3]/p
	return Layout{
		View: []int{b, c, hp, p, wp, p},    // [B, C, H/P, P, W/P, P]
		Perm: []int{0, 2, 4, 1, 3, 5},      // [B, H/P, W/P, C, P, P]
		Out:  []int{b, hp * wp, c * p * p}, // [B, T, C·P·P]
	}
}

// UnpatchifyLayout is the inverse layout step of DiT's final layer, which
// lays each token out (row, col, channel) with the channel fastest:
//
//	in:  [B, T, P·P·C]   T = (H/P)·(W/P)
//	out: [B, C, H, W]
func UnpatchifyLayout(in []int, p, c, h, w int) Layout {
	if len(in) != 3 || p <= 0 || h%p != 0 || w%p != 0 || in[1] != (h/p)*(w/p) || in[2] != p*p*c {
		panic(fmt.Sprintf("tensor.Unpatchify: tokens %v, want [B, (%d/%d)·(%d/%d), %d·%d·%d]", in, h, p, w, p, p, p, c))
	}
	b, hp, wp := in[0], h/p, w/p
	return Layout{
		View: []int{b, hp, wp, p, p, c}, // [B, H/P, W/P, P, P, C]
		Perm: []int{0, 5, 1, 3, 2, 4},   // [B, C, H/P, P, W/P, P]
		Out:  []int{b, c, h, w},         // [B, C, H, W]
	}
}

// SplitQKVLayout takes the output of a transformer's fused qkv projection
// to the layout Attention reads, one contiguous [T, Dh] block per part and
// head, in a single permutation:
//
//	in:  [B, T, 3·H·Dh]   each token's q, then k, then v, each H heads of Dh
//	out: [3, B, H, T, Dh]
func SplitQKVLayout(in []int, heads int) Layout {
	if len(in) != 3 || heads <= 0 || in[2]%(3*heads) != 0 {
		panic(fmt.Sprintf("tensor.SplitQKV: %v into q, k, v of %d heads: want [B, T, 3·H·Dh]", in, heads))
	}
	b, t, dh := in[0], in[1], in[2]/(3*heads)
	return Layout{
		View: []int{b, t, 3, heads, dh}, // [B, T, 3, H, Dh]
		Perm: []int{2, 0, 3, 1, 4},      // [3, B, H, T, Dh]
		Out:  []int{3, b, heads, t, dh},
	}
}

// MergeHeadsLayout turns [B, H, T, Dh] back into [B, T, H·Dh].
func MergeHeadsLayout(in []int) Layout {
	if len(in) != 4 {
		panic(fmt.Sprintf("tensor.MergeHeads: %v, want [B, H, T, Dh]", in))
	}
	b, h, t, dh := in[0], in[1], in[2], in[3]
	return Layout{View: slices.Clone(in), Perm: []int{0, 2, 1, 3}, Out: []int{b, t, h * dh}}
}

// Patchify is Rearrange with PatchifyLayout.
func Patchify(x *Tensor, p int) *Tensor { return Rearrange(x, PatchifyLayout(x.shape, p)) }

// Unpatchify is Rearrange with UnpatchifyLayout.
func Unpatchify(x *Tensor, p, c, h, w int) *Tensor {
	return Rearrange(x, UnpatchifyLayout(x.shape, p, c, h, w))
}

// SplitQKV is Rearrange with SplitQKVLayout.
func SplitQKV(x *Tensor, heads int) *Tensor { return Rearrange(x, SplitQKVLayout(x.shape, heads)) }

// MergeHeads is Rearrange with MergeHeadsLayout.
func MergeHeads(x *Tensor) *Tensor { return Rearrange(x, MergeHeadsLayout(x.shape)) }

// reshapeOwned changes the shape of a freshly made tensor in place, keeping
// ownership of its buffer (unlike Reshape, which makes a view).
func (t *Tensor) reshapeOwned(shape ...int) *Tensor {
	if numel(shape) != t.Numel() {
		panic(fmt.Sprintf("tensor: cannot reshape %v to %v", t.shape, shape))
	}
	t.shape = slices.Clone(shape)
	return t
}
