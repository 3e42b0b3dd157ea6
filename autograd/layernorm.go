package autograd

import "github.com/ditgo/ditgo/tensor"

// LayerNormModulate returns LN(x)·(1 + scale) + shift for x [B, T, D] and
// per-sample shift, scale [B, D] (either may be nil): adaLN's fused step.
// The forward saves the row means and reciprocal standard deviations, and
// the backward kernel uses them (see tensor.LayerNormModulateBackward).
func (g *Graph) LayerNormModulate(x, shift, scale *Var) *Var {
	var shiftT, scaleT *tensor.Tensor
	if shift != nil {
		shiftT = shift.Value
	}
	if scale != nil {
		scaleT = scale.Value
	}
	y, mean, rstd := tensor.LayerNormModulate(x.Value, shiftT, scaleT)
	g.Own(mean)
	g.Own(rstd)
	out := g.result(y, x, shift, scale)
	out.backward = func() {
		modulated := (shift != nil && shift.requiresGrad) || (scale != nil && scale.requiresGrad)
		dx, dshift, dscale := tensor.LayerNormModulateBackward(out.Grad, x.Value, scaleT, mean, rstd, modulated)
		g.accumulate(x, dx)
		if modulated { // a nil shift or scale: accumulate still frees its gradient
			g.accumulate(shift, dshift)
			g.accumulate(scale, dscale)
		}
	}
	return out
}
