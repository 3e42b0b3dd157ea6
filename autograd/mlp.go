package autograd

import "github.com/ditgo/ditgo/tensor"

// MLP returns Linear(GELU(Linear(x, w1, b1)), w2, b2), a transformer's
// feed-forward layer, for x [..., in], w1 [hidden, in] and w2 [out, hidden]
// (biases [hidden] and [out], or nil). It is the composition of Linear,
// GELU and Linear, with the same values and gradients, as one op whose
// products do the activation's work in their epilogues
// (tensor.Epilogue):
//
//	forward   act, pre = GELU(x·w1ᵀ + b1), x·w1ᵀ + b1   tensor.MatMulGELU
//	          y = act·w2ᵀ + b2
//	backward  dpre = (dy·w2)·GELU'(pre)                   tensor.MatMulGELUGrad
//	          dw2 = dyᵀ·act, dw1 = dpreᵀ·x, dx = dpre·w1
//
// That saves the two passes of the separate GELU and its gradient over the
// [..., hidden] activations, and their two dispatches, in every block; the
// activation's gradient dy·w2 is never stored. The products, forward and
// backward, are in the graph's precision (Autocast).
func (g *Graph) MLP(x, w1, b1, w2, b2 *Var) *Var {
	mustRank("MLP", w1, 2)
	mustRank("MLP", w2, 2)
	round := g.precision.Rounding()
	act, pre := tensor.MatMulGELU(x.Value, w1.Value, false, true, valueOf(b1), round)
	y := matMul(round, act, w2.Value, false, true, valueOf(b2))
	out := g.result(y, x, w1, b1, w2, b2)
	if !out.requiresGrad { // nothing will need them
		act.Release()
		pre.Release()
		return out
	}
	g.Own(act)
	g.Own(pre)
	out.backward = func() {
		hidden, nOut, nIn := w1.Value.Dim(0), w2.Value.Dim(0), w1.Value.Dim(1)
		dy := out.Grad.Reshape(-1, nOut) // rows [N, out]
		g.accumulateMatMul(w2, dy, act.Reshape(-1, hidden), true, false, round)
		if b2 != nil && b2.requiresGrad {
			g.accumulate(b2, tensor.Sum(dy, 0))
		}
		dpre := g.Own(tensor.MatMulGELUGrad(out.Grad, w2.Value, false, false, pre, round)) // [..., hidden]
		if x.requiresGrad {
			g.accumulate(x, matMul(round, dpre, w1.Value, false, false, nil))
		}
		rows := dpre.Reshape(-1, hidden)
		g.accumulateMatMul(w1, rows, x.Value.Reshape(-1, nIn), true, false, round)
		if b1 != nil && b1.requiresGrad {
			g.accumulate(b1, tensor.Sum(rows, 0))
		}
	}
	return out
}

// valueOf is v's value, or nil for an absent optional input.
func valueOf(v *Var) *tensor.Tensor {
	if v == nil {
		return nil
	}
	return v.Value
}
