package autograd

import "github.com/ditgo/ditgo/tensor"

// SiLU returns x·σ(x).
func (g *Graph) SiLU(x *Var) *Var { return g.unary(tensor.OpSiLU, x) }

// GELU returns the tanh approximation of GELU.
func (g *Graph) GELU(x *Var) *Var { return g.unary(tensor.OpGELU, x) }

// Exp returns eˣ.
func (g *Graph) Exp(x *Var) *Var { return g.unary(tensor.OpExp, x) }

// Log returns ln x.
func (g *Graph) Log(x *Var) *Var { return g.unary(tensor.OpLog, x) }

// Tanh returns tanh x.
func (g *Graph) Tanh(x *Var) *Var { return g.unary(tensor.OpTanh, x) }

// unary applies an elementwise function; its derivative rule lives with the
// kernel (tensor.UnaryBackward), which gets both the input and the output.
func (g *Graph) unary(op tensor.UnaryOp, x *Var) *Var {
	out := g.result(tensor.Unary(op, x.Value), x)
	out.backward = func() {
		g.accumulate(x, tensor.UnaryBackward(op, out.Grad, x.Value, out.Value))
	}
	return out
}
