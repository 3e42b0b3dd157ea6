package autograd

import "github.com/ditgo/ditgo/tensor"

// Add returns a + b; b may broadcast under tensor.Binary's rule.
func (g *Graph) Add(a, b *Var) *Var {
	out := g.result(tensor.Add(a.Value, b.Value), a, b)
	out.backward = func() {
		g.accumulate(a, out.Grad)
		g.accumulate(b, g.sumTo(out.Grad, b))
	}
	return out
}

// Sub returns a − b; b may broadcast.
func (g *Graph) Sub(a, b *Var) *Var {
	out := g.result(tensor.Sub(a.Value, b.Value), a, b)
	out.backward = func() {
		g.accumulate(a, out.Grad)
		if b.requiresGrad {
			g.accumulate(b, tensor.Scale(g.sumTo(out.Grad, b), -1))
		}
	}
	return out
}

// Mul returns a·b elementwise; b may broadcast.
func (g *Graph) Mul(a, b *Var) *Var {
	out := g.result(tensor.Mul(a.Value, b.Value), a, b)
	out.backward = func() {
		if a.requiresGrad {
			g.accumulate(a, tensor.Mul(out.Grad, b.Value)) // ∂(a·b)/∂a = b
		}
		if b.requiresGrad {
			g.accumulate(b, g.sumTo(g.Own(tensor.Mul(out.Grad, a.Value)), b)) // ∂(a·b)/∂b = a
		}
	}
	return out
}

// Div returns a / b elementwise; b may broadcast.
func (g *Graph) Div(a, b *Var) *Var {
	out := g.result(tensor.Div(a.Value, b.Value), a, b)
	out.backward = func() {
		if a.requiresGrad {
			g.accumulate(a, tensor.Div(out.Grad, b.Value)) // ∂(a/b)/∂a = 1/b
		}
		if b.requiresGrad { // ∂(a/b)/∂b = −a/b² = −out/b
			t := g.Own(tensor.Div(g.Own(tensor.Mul(out.Grad, out.Value)), b.Value))
			g.accumulate(b, tensor.Scale(g.sumTo(t, b), -1))
		}
	}
	return out
}

// Max returns the elementwise maximum of a and b (b may broadcast):
// Max(x, scalar) is a clamp from below. The gradient goes to whichever input
// is larger; on a tie, to a, as PyTorch's clamp does.
func (g *Graph) Max(a, b *Var) *Var { return g.minMax(tensor.OpMax, a, b) }

// Min returns the elementwise minimum of a and b (b may broadcast).
func (g *Graph) Min(a, b *Var) *Var { return g.minMax(tensor.OpMin, a, b) }

func (g *Graph) minMax(op tensor.BinaryOp, a, b *Var) *Var {
	out := g.result(tensor.Binary(op, a.Value, b.Value), a, b)
	out.backward = func() {
		// toA is 1 where the output is a: a ≥ b for Max, b ≥ a for Min.
		var toA *tensor.Tensor
		if op == tensor.OpMax {
			toA = g.Own(tensor.GreaterEqual(a.Value, b.Value))
		} else {
			toA = g.Own(tensor.GreaterEqual(g.Own(tensor.Scale(a.Value, -1)), g.Own(tensor.Scale(b.Value, -1))))
		}
		da := g.Own(tensor.Mul(out.Grad, toA))
		if a.requiresGrad {
			g.accumulate(a, da)
		}
		if b.requiresGrad {
			g.accumulate(b, g.sumTo(g.Own(tensor.Sub(out.Grad, da)), b))
		}
	}
	return out
}

// Detach returns v's value as a constant: gradients stop there. The hybrid
// loss uses it to train the variance without moving the mean.
func (g *Graph) Detach(v *Var) *Var { return g.Const(v.Value) }

// Scale returns alpha·x.
func (g *Graph) Scale(x *Var, alpha float32) *Var {
	out := g.result(tensor.Scale(x.Value, alpha), x)
	out.backward = func() { g.accumulate(x, tensor.Scale(out.Grad, alpha)) }
	return out
}

// GatedResidual returns x + gate·y with x, y [B, T, D] and gate [B, D]: the
// residual update of an adaLN-Zero block.
func (g *Graph) GatedResidual(x, gate, y *Var) *Var {
	out := g.result(tensor.GatedResidual(x.Value, gate.Value, y.Value), x, gate, y)
	out.backward = func() {
		g.accumulate(x, out.Grad)
		b, d := gate.Value.Dim(0), gate.Value.Dim(1)
		if y.requiresGrad { // ∂/∂y = gate, broadcast over tokens
			g.accumulate(y, tensor.Mul(out.Grad, gate.Value.Reshape(b, 1, d)))
		}
		if gate.requiresGrad { // ∂/∂gate = Σ_t y
			g.accumulate(gate, tensor.Sum(g.Own(tensor.Mul(out.Grad, y.Value)), 1))
		}
	}
	return out
}

// sumTo reduces a gradient to the shape of the operand it belongs to, which
// may have been broadcast; it is the identity when nothing was.
func (g *Graph) sumTo(grad *tensor.Tensor, operand *Var) *tensor.Tensor {
	if operand.Value.Numel() == grad.Numel() {
		return grad.Reshape(operand.Value.Shape()...)
	}
	return g.Own(tensor.SumTo(grad, operand.Value.Shape()...))
}
