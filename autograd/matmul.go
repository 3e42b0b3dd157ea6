package autograd

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// MatMul returns op(a)·op(b), batched over leading axes (see tensor.MatMul).
//
// With C = op(A)·op(B) and upstream gradient dC, the rules for the four
// transpose cases are all "the other operand times dC, transposed to fit":
//
//	C = A·B:    dA = dC·Bᵀ   dB = Aᵀ·dC
//	C = A·Bᵀ:   dA = dC·B    dB = dCᵀ·A
//	C = Aᵀ·B:   dA = B·dCᵀ   dB = A·dC
//	C = Aᵀ·Bᵀ:  dA = Bᵀ·dCᵀ  dB = dCᵀ·Aᵀ
//
// The products, forward and backward, are in the graph's precision
// (Autocast).
func (g *Graph) MatMul(a, b *Var, transA, transB bool) *Var {
	round := g.precision.Rounding()
	out := g.result(matMul(round, a.Value, b.Value, transA, transB, nil), a, b)
	out.backward = func() {
		dC, A, B := out.Grad, a.Value, b.Value
		switch {
		case !transA && !transB:
			g.accumulateMatMul(a, dC, B, false, true, round)
			g.accumulateMatMul(b, A, dC, true, false, round)
		case !transA && transB:
			g.accumulateMatMul(a, dC, B, false, false, round)
			g.accumulateMatMul(b, dC, A, true, false, round)
		case transA && !transB:
			g.accumulateMatMul(a, B, dC, false, true, round)
			g.accumulateMatMul(b, A, dC, false, false, round)
		default:
			g.accumulateMatMul(a, B, dC, true, true, round)
			g.accumulateMatMul(b, dC, A, true, true, round)
		}
	}
	return out
}

// Linear returns x·Wᵀ + bias, the fully connected layer, for x of shape
// [..., in], w of shape [out, in] (PyTorch's layout) and bias [out] or nil.
// The result has shape [..., out]. The products, forward and backward, are
// in the graph's precision (Autocast).
func (g *Graph) Linear(x, w, bias *Var) *Var {
	if w.Value.Rank() != 2 || x.Value.Dim(-1) != w.Value.Dim(1) {
		panic(fmt.Sprintf("autograd.Linear: x %v and weight %v, want [..., in] and [out, in]", x.Value.Shape(), w.Value.Shape()))
	}
	var b *tensor.Tensor
	if bias != nil {
		b = bias.Value
	}
	round := g.precision.Rounding()
	out := g.result(matMul(round, x.Value, w.Value, false, true, b), x, w, bias)
	out.backward = func() {
		nOut, nIn := w.Value.Dim(0), w.Value.Dim(1)
		if x.requiresGrad {
			g.accumulate(x, matMul(round, out.Grad, w.Value, false, false, nil)) // dx = dy·W
		}
		dy, x2 := out.Grad.Reshape(-1, nOut), x.Value.Reshape(-1, nIn) // rows [N, out], [N, in]
		g.accumulateMatMul(w, dy, x2, true, false, round)              // dW = dyᵀ·x
		if bias != nil && bias.requiresGrad {
			g.accumulate(bias, tensor.Sum(dy, 0)) // db = Σ_rows dy
		}
	}
	return out
}
