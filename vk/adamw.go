//go:build cgo

package vk

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// adamWPush mirrors AdamWPush in shaders/adamw.comp.
type adamWPush struct {
	n                                  uint32
	lr, beta1, beta2, eps, weightDecay float32
	c1, c2                             float32
}

// AdamW records one optimizer step (adamw.comp; reference tensor.AdamWRef).
// The bias corrections c1 = 1−β₁ᵗ and c2 = √(1−β₂ᵗ) are computed here in
// float64, once per step rather than once per element.
func (d *Device) AdamW(param, grad, m, v tensor.Buffer, n int, a tensor.AdamWArgs) {
	t := float64(a.Step)
	push := adamWPush{
		n: u32(n), lr: a.LR, beta1: a.Beta1, beta2: a.Beta2, eps: a.Eps, weightDecay: a.WeightDecay,
		c1: float32(1 - math.Pow(float64(a.Beta1), t)),
		c2: float32(math.Sqrt(1 - math.Pow(float64(a.Beta2), t))),
	}
	dispatch(d, "adamw", nil, &push, grid1D(n, 256), 16*float64(n), param, grad, m, v)
}
