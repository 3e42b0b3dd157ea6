package tensor

import (
	"fmt"
	"math"
)

// AdamW applies one decoupled-weight-decay Adam step (Loshchilov & Hutter)
// to param in place, updating the moment estimates m and v. All four
// tensors have the same shape; args.Step is the 1-based step number.
func AdamW(param, grad, m, v *Tensor, args AdamWArgs) {
	dev := mustSameDevice("AdamW", param, grad, m, v)
	mustFloat("AdamW", param, grad, m, v)
	for _, t := range []*Tensor{grad, m, v} {
		mustSameShape("AdamW", param, t)
	}
	if args.Step < 1 {
		panic(fmt.Sprintf("tensor.AdamW: step %d, want ≥ 1", args.Step))
	}
	dev.AdamW(param.buf, grad.buf, m.buf, v.buf, param.Numel(), args)
}

// adamWRef computes, for every i, in the order PyTorch's AdamW does:
//
//	p[i] ·= 1 − lr·wd
//	m[i]  = β₁·m[i] + (1−β₁)·g[i]
//	v[i]  = β₂·v[i] + (1−β₂)·g[i]²
//	p[i] −= lr/(1−β₁ᵗ) · m[i] / (√v[i]/√(1−β₂ᵗ) + ε)
func adamWRef[F Float](p, g, m, v []F, a AdamWArgs) {
	lr, b1, b2, eps, wd := float64(a.LR), float64(a.Beta1), float64(a.Beta2), float64(a.Eps), float64(a.WeightDecay)
	c1 := 1 - math.Pow(b1, float64(a.Step))
	c2 := math.Sqrt(1 - math.Pow(b2, float64(a.Step)))
	for i := range p {
		gi := float64(g[i])
		mi := b1*float64(m[i]) + (1-b1)*gi
		vi := b2*float64(v[i]) + (1-b2)*gi*gi
		pi := float64(p[i]) * (1 - lr*wd)
		pi -= lr / c1 * mi / (math.Sqrt(vi)/c2 + eps)
		p[i], m[i], v[i] = F(pi), F(mi), F(vi)
	}
}

// EMA moves ema towards param: ema = decay·ema + (1−decay)·param. DiT
// samples from these averaged weights (decay 0.9999 in the paper).
func EMA(ema, param *Tensor, decay float32) {
	dev := mustSameDevice("EMA", ema, param)
	mustFloat("EMA", ema, param)
	mustSameShape("EMA", ema, param)
	dev.EMA(ema.buf, param.buf, decay, ema.Numel())
}

// emaRef computes ema[i] = decay·ema[i] + (1−decay)·param[i].
func emaRef[F Float](ema, param []F, decay F) {
	for i := range ema {
		ema[i] = decay*ema[i] + (1-decay)*param[i]
	}
}
