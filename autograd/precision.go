package autograd

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// Precision is how a graph computes its matrix products.
//
// Mixed precision (BF16, FP16) is PyTorch's autocast: every matrix
// product, of the forward pass and of the backward pass, multiplies
// operands rounded to bfloat16 or float16 and sums in float32 — the
// products of MatMul, Linear (so the patch embedding too) and Attention
// (q·kᵀ and P·v, and their gradients). Everything else stays float32: the
// parameters and their gradients, the optimizer's state, layer norms,
// softmax statistics, the residual stream and every tensor the graph
// keeps. A bfloat16 number has float32's exponent, so it needs no loss
// scaling; a float16 one stops at 65504 and loses gradients below 2⁻²⁴,
// so FP16 training scales the loss (train's loss scaler), as PyTorch's
// GradScaler does.
type Precision uint8

const (
	FP32 Precision = iota // float32 throughout
	BF16                  // bfloat16 operands in every matrix product, float32 sums
	FP16                  // float16 operands in every matrix product, float32 sums
)

func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	case FP16:
		return "fp16"
	}
	return fmt.Sprintf("precision(%d)", uint8(p))
}

// ParsePrecision reads "fp32", "bf16" or "fp16", the names String gives.
func ParsePrecision(s string) (Precision, error) {
	for _, p := range []Precision{FP32, BF16, FP16} {
		if s == p.String() {
			return p, nil
		}
	}
	return FP32, fmt.Errorf("precision %q: want fp32, bf16 or fp16", s)
}

// Rounding is what p does to the operands of a product.
func (p Precision) Rounding() tensor.Rounding {
	switch p {
	case BF16:
		return tensor.RoundToBF16
	case FP16:
		return tensor.RoundToFP16
	}
	return tensor.RoundNone
}

// Autocast makes the matrix products that g records from now on compute
// in precision p, and returns a function that puts the previous precision
// back, so that a model can scope it to its forward pass:
//
//	defer g.Autocast(autograd.BF16)()
//
// An op's backward rule computes in the precision its forward pass had,
// whenever Backward runs it.
func (g *Graph) Autocast(p Precision) (restore func()) {
	before := g.precision
	g.precision = p
	return func() { g.precision = before }
}

// Precision is the precision of the matrix products g records now.
func (g *Graph) Precision() Precision { return g.precision }

// matMul is tensor.MatMul with its operands rounded as r says.
func matMul(r tensor.Rounding, a, b *tensor.Tensor, transA, transB bool, bias *tensor.Tensor) *tensor.Tensor {
	return tensor.MatMulRounded(a, b, transA, transB, bias, r)
}
