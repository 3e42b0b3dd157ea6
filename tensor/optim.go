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

// AdamWRef computes, for every i, in the order PyTorch's AdamW does:
//
//	p[i] ·= 1 − lr·wd
//	m[i]  = β₁·m[i] + (1−β₁)·g[i]
//	v[i]  = β₂·v[i] + (1−β₂)·g[i]²
//	p[i] −= lr/(1−β₁ᵗ) · m[i] / (√v[i]/√(1−β₂ᵗ) + ε)
//
// Each product is rounded (float64(…)) before it is added, which keeps the
// compiler from fusing the two into one multiply-add (Go may, on arm64 and
// with GOAMD64=v3): the arithmetic is then exactly defined, and the fast
// device's vector AdamW (tensor/fastcpu/optim_amd64.s) gives the same bits.
func AdamWRef[F Float](p, g, m, v []F, a AdamWArgs) {
	c := AdamWConsts(a)
	b1, nb1, b2, nb2, decay, step, c2, eps := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
	for i := range p {
		gi := float64(g[i])
		mi := float64(b1*float64(m[i])) + float64(nb1*gi)
		vi := float64(b2*float64(v[i])) + float64(nb2*gi*gi)
		pi := float64(p[i]) * decay
		pi -= step * mi / (math.Sqrt(vi)/c2 + eps)
		p[i], m[i], v[i] = F(pi), F(mi), F(vi)
	}
}

// AdamWConsts are AdamW's per-step constants in float64: β₁, 1−β₁, β₂,
// 1−β₂, the decay factor 1 − lr·wd, the step size lr/(1−β₁ᵗ), the
// correction √(1−β₂ᵗ) and ε.
func AdamWConsts(a AdamWArgs) [8]float64 {
	lr, b1, b2, eps, wd := float64(a.LR), float64(a.Beta1), float64(a.Beta2), float64(a.Eps), float64(a.WeightDecay)
	c1 := 1 - math.Pow(b1, float64(a.Step))
	c2 := math.Sqrt(1 - math.Pow(b2, float64(a.Step)))
	return [8]float64{b1, 1 - b1, b2, 1 - b2, 1 - float64(lr*wd), lr / c1, c2, eps}
}

// EMA moves ema towards param: ema = decay·ema + (1−decay)·param. DiT
// samples from these averaged weights (decay 0.9999 in the paper).
func EMA(ema, param *Tensor, decay float32) {
	dev := mustSameDevice("EMA", ema, param)
	mustFloat("EMA", ema, param)
	mustSameShape("EMA", ema, param)
	dev.EMA(ema.buf, param.buf, decay, ema.Numel())
}

// EMARef computes ema[i] = decay·ema[i] + (1−decay)·param[i].
func EMARef[F Float](ema, param []F, decay F) {
	for i := range ema {
		ema[i] = decay*ema[i] + (1-decay)*param[i]
	}
}
