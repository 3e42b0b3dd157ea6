package autograd

import (
	"slices"

	"github.com/ditgo/ditgo/tensor"
)

// Sum returns x summed over adjacent axes (see tensor.Sum). The gradient
// copies the upstream gradient back along the summed axes.
func (g *Graph) Sum(x *Var, axes ...int) *Var {
	out := g.result(tensor.Sum(x.Value, axes...), x)
	out.backward = func() {
		g.accumulate(x, g.broadcastBack(out.Grad, x.Value.Shape(), axes))
	}
	return out
}

// SumAll returns the sum of every element as a scalar.
func (g *Graph) SumAll(x *Var) *Var {
	out := g.result(tensor.SumAll(x.Value), x)
	out.backward = func() {
		// Broadcast the scalar gradient over x: 0 + dOut, via Binary's
		// scalar broadcast against a zero tensor of x's shape.
		zeros := g.Own(tensor.Zeros(x.Value.Device(), x.Value.Shape()...))
		g.accumulate(x, tensor.Add(zeros, out.Grad))
	}
	return out
}

// Mean returns the mean of every element as a scalar.
func (g *Graph) Mean(x *Var) *Var {
	return g.Scale(g.SumAll(x), 1/float32(x.Value.Numel()))
}

// broadcastBack spreads grad, the gradient of a sum over axes, back to the
// shape of the summed tensor: every summed element receives it unchanged.
func (g *Graph) broadcastBack(grad *tensor.Tensor, shape []int, axes []int) *tensor.Tensor {
	kept := slices.Clone(shape) // shape with the summed axes set to 1
	for _, a := range axes {
		if a < 0 {
			a += len(shape)
		}
		kept[a] = 1
	}
	zeros := g.Own(tensor.Zeros(grad.Device(), shape...))
	return g.Own(tensor.Add(zeros, grad.Reshape(kept...)))
}
