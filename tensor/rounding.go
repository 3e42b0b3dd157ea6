package tensor

import "fmt"

// Rounding is what a matrix product does to its operands before it
// multiplies them (MatMulArgs.Round, AttentionArgs.Round): nothing, or a
// rounding to a 16-bit float, whose products are exact in float32 and are
// summed in float32. That is mixed precision as the matrix units of a GPU
// compute it, and as PyTorch's autocast does.
type Rounding uint8

const (
	RoundNone   Rounding = iota // float32 operands as they are
	RoundToBF16                 // bfloat16: float32's range, 8 significant bits (RoundBF16)
	RoundToFP16                 // float16: 11 significant bits, magnitudes 2⁻²⁴ … 65504 (RoundFP16)
)

// Round rounds x as r says.
func (r Rounding) Round(x float32) float32 {
	switch r {
	case RoundToBF16:
		return RoundBF16(x)
	case RoundToFP16:
		return RoundFP16(x)
	}
	return x
}

func (r Rounding) String() string {
	switch r {
	case RoundNone:
		return "none"
	case RoundToBF16:
		return "bf16"
	case RoundToFP16:
		return "fp16"
	}
	return fmt.Sprintf("rounding(%d)", uint8(r))
}
