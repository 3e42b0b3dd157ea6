package autograd

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// Reshape returns a view of x with a new shape; the gradient is reshaped
// back. No data moves.
func (g *Graph) Reshape(x *Var, shape ...int) *Var {
	out := g.view(x.Value.Reshape(shape...), x)
	out.backward = func() { g.accumulate(x, out.Grad.Reshape(x.Value.Shape()...)) }
	return out
}

// Permute reorders the axes of x; the gradient is permuted back.
func (g *Graph) Permute(x *Var, perm ...int) *Var {
	out := g.result(tensor.Permute(x.Value, perm...), x)
	out.backward = func() {
		g.accumulate(x, tensor.Permute(out.Grad, tensor.InversePerm(perm)...))
	}
	return out
}

// Rearrange applies a tensor.Layout (reshape, permute, reshape); the
// gradient goes through the inverse layout.
func (g *Graph) Rearrange(x *Var, l tensor.Layout) *Var {
	out := g.result(tensor.Rearrange(x.Value, l), x)
	out.backward = func() {
		g.accumulate(x, tensor.Rearrange(out.Grad, l.Inverse(x.Value.Shape())))
	}
	return out
}

// Patchify turns images [B, C, H, W] into patch tokens [B, T, C·P·P].
func (g *Graph) Patchify(x *Var, p int) *Var {
	return g.Rearrange(x, tensor.PatchifyLayout(x.Value.Shape(), p))
}

// Unpatchify turns tokens [B, T, P·P·C] into images [B, C, H, W].
func (g *Graph) Unpatchify(x *Var, p, c, h, w int) *Var {
	return g.Rearrange(x, tensor.UnpatchifyLayout(x.Value.Shape(), p, c, h, w))
}

// SplitQKV turns a fused qkv projection [B, T, 3·H·Dh] into the packed
// [3, B, H, T, Dh] that Attention reads.
func (g *Graph) SplitQKV(x *Var, heads int) *Var {
	return g.Rearrange(x, tensor.SplitQKVLayout(x.Value.Shape(), heads))
}

// MergeHeads turns [B, H, T, Dh] into [B, T, H·Dh].
func (g *Graph) MergeHeads(x *Var) *Var {
	return g.Rearrange(x, tensor.MergeHeadsLayout(x.Value.Shape()))
}

// Concat joins Vars along axis; each gets back its slice of the gradient.
func (g *Graph) Concat(axis int, xs ...*Var) *Var {
	values := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		values[i] = x.Value
	}
	out := g.result(tensor.Concat(axis, values...), xs...)
	out.backward = func() {
		sizes := make([]int, len(xs))
		for i, x := range xs {
			sizes[i] = x.Value.Dim(axis)
		}
		for i, part := range tensor.Split(out.Grad, axis, sizes...) {
			g.accumulate(xs[i], part)
		}
	}
	return out
}

// Chunk splits x into n equal parts along axis. The parts' gradients are
// joined back; a part that received none contributes zeros.
//
// The parts hang off one join node between them and x. The topological
// order puts the join before all parts and their users, so when the reverse
// loop reaches it every part's gradient is complete.
func (g *Graph) Chunk(x *Var, n, axis int) []*Var {
	join := g.view(x.Value, x)
	parts := make([]*Var, n)
	for i, p := range tensor.Chunk(x.Value, n, axis) {
		parts[i] = g.result(p, join)
	}
	join.backward = func() {
		grads := make([]*tensor.Tensor, n)
		for i, p := range parts {
			grads[i] = p.Grad
			if grads[i] == nil {
				grads[i] = g.Own(tensor.Zeros(x.Value.Device(), p.Value.Shape()...))
			}
		}
		g.accumulate(x, tensor.Concat(axis, grads...))
	}
	return parts
}

// Gather returns the rows of table picked by the int32 indices idx [N]: an
// embedding lookup. The gradient scatters back into the rows it came from.
func (g *Graph) Gather(table *Var, idx *tensor.Tensor) *Var {
	out := g.result(tensor.Gather(table.Value, idx), table)
	out.backward = func() {
		if table.requiresGrad {
			grad := tensor.Zeros(table.Value.Device(), table.Value.Shape()...)
			tensor.ScatterAdd(grad, idx, out.Grad)
			g.accumulate(table, grad)
		}
	}
	return out
}

func mustRank(op string, v *Var, rank int) {
	if v.Value.Rank() != rank {
		panic(fmt.Sprintf("autograd.%s: shape %v, want rank %d", op, v.Value.Shape(), rank))
	}
}
