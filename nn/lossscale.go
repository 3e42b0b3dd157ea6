package nn

import (
	"fmt"
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// LossScaler is dynamic loss scaling for float16 mixed precision, as
// PyTorch's GradScaler does it, with its defaults. A float16 operand loses
// every gradient below 2⁻²⁵ to zero, so the loss is multiplied by Scale
// before the backward pass, which lifts the gradients into float16's range,
// and the parameters' gradients are divided by it again before the
// optimizer step (Unscale). A scale too large makes some product overflow
// to infinity instead: then the step is skipped and the scale halved. After
// GrowthInterval clean steps in a row it is doubled, so it stays near the
// largest that does not overflow.
//
// Scale is a power of two, so scaling and unscaling are exact. The scaler
// works on any device: it needs only a sum and a scale of each gradient.
// Its fields are saved in a run's checkpoint, so a resumed run carries on
// with the same scale.
type LossScaler struct {
	Scale          float32 `json:"scale"`           // what the loss is multiplied by: 2¹⁶ at first
	GrowthInterval int     `json:"growth_interval"` // clean steps before the scale doubles: 2000
	Clean          int     `json:"clean"`           // clean steps since the scale last changed
	Skipped        int     `json:"skipped"`         // steps skipped for a gradient that was not finite
}

// NewLossScaler returns a scaler with GradScaler's defaults: a scale of
// 2¹⁶, doubled after 2000 clean steps.
func NewLossScaler() *LossScaler { return &LossScaler{Scale: 1 << 16, GrowthInterval: 2000} }

// Check reports a scaler that a checkpoint cannot have come from.
func (s *LossScaler) Check() error {
	if !(s.Scale > 0) || math.IsInf(float64(s.Scale), 0) || s.GrowthInterval < 1 || s.Clean < 0 || s.Skipped < 0 {
		return fmt.Errorf("nn: loss scaler %+v: want a finite scale > 0, a growth interval ≥ 1 and counts ≥ 0", *s)
	}
	return nil
}

// Unscale divides the gradient of every trainable parameter by Scale and
// reports whether all of them are finite. If one is not, the step must be
// skipped: Unscale zeroes every gradient, halves Scale and returns false.
// Otherwise it counts a clean step, doubling Scale after GrowthInterval
// of them, and the caller runs the optimizer.
func (s *LossScaler) Unscale(p *Params) (bool, error) {
	// One number for all the gradients: the sum of each one's sum, which
	// is infinite or NaN if any element is. A single read per step.
	var total *tensor.Tensor
	var grads []Param
	for _, q := range p.Trainable() {
		if q.Var.Grad == nil {
			continue
		}
		grads = append(grads, q)
		sum := tensor.SumAll(q.Var.Grad)
		if total == nil {
			total = sum
			continue
		}
		next := tensor.Add(total, sum)
		total.Release()
		sum.Release()
		total = next
	}
	finite := true
	if total != nil {
		v, err := total.Item()
		total.Release()
		if err != nil {
			return false, err
		}
		finite = !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
	}
	if !finite {
		for _, q := range grads {
			q.Var.ZeroGrad()
		}
		s.Scale /= 2
		s.Clean = 0
		s.Skipped++
		return false, nil
	}
	for _, q := range grads {
		old := q.Var.Grad
		q.Var.Grad = tensor.Scale(old, 1/s.Scale)
		old.Release()
	}
	if s.Clean++; s.Clean >= s.GrowthInterval {
		s.Scale *= 2
		s.Clean = 0
	}
	return true, nil
}
