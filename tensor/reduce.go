package tensor

import (
	"fmt"
	"slices"
)

// Sum returns x summed over the given axes, which must be adjacent (in any
// order; negative axes count from the end). The summed axes are removed:
// Sum of [B, T, D] over axis 1 is [B, D].
func Sum(x *Tensor, axes ...int) *Tensor {
	dev := mustSameDevice("Sum", x)
	mustFloat("Sum", x)
	ax := make([]int, len(axes))
	for i, a := range axes {
		if a < 0 {
			a += x.Rank()
		}
		if a < 0 || a >= x.Rank() {
			panic(fmt.Sprintf("tensor.Sum: axis %d out of range for shape %v", axes[i], x.shape))
		}
		ax[i] = a
	}
	slices.Sort(ax)
	if len(ax) == 0 || ax[len(ax)-1]-ax[0] != len(ax)-1 || len(slices.Compact(slices.Clone(ax))) != len(ax) {
		panic(fmt.Sprintf("tensor.Sum: axes %v of shape %v must be distinct and adjacent", axes, x.shape))
	}
	lo, hi := ax[0], ax[len(ax)-1]+1
	outShape := append(slices.Clone(x.shape[:lo]), x.shape[hi:]...)
	out := New(dev, outShape...)
	dev.Sum(out.buf, x.buf, numel(x.shape[:lo]), numel(x.shape[lo:hi]), numel(x.shape[hi:]))
	return out
}

// SumAll returns the sum of every element as a scalar (shape []).
func SumAll(x *Tensor) *Tensor {
	dev := mustSameDevice("SumAll", x)
	mustFloat("SumAll", x)
	out := New(dev)
	dev.Sum(out.buf, x.buf, 1, x.Numel(), 1)
	return out
}

// SumTo sums x down to shape, undoing a broadcast of shape to x's shape under
// Binary's rule. It is the gradient of a broadcast operand.
func SumTo(x *Tensor, shape ...int) *Tensor {
	dev := mustSameDevice("SumTo", x)
	mustFloat("SumTo", x)
	outer, mid, inner := broadcastShape("SumTo", x.shape, shape)
	out := New(dev, shape...)
	dev.Sum(out.buf, x.buf, outer, mid, inner)
	return out
}

// SumRef computes, for o < outer, i < inner:
//
//	out[o,i] = Σ_m x[o,m,i]
//
// accumulating in float64, since a sum may run over a whole tensor.
func SumRef[F Float](out, x []F, outer, mid, inner int) {
	for o := range outer {
		for i := range inner {
			var acc float64
			for m := range mid {
				acc += float64(x[(o*mid+m)*inner+i])
			}
			out[o*inner+i] = F(acc)
		}
	}
}
