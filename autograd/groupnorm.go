package autograd

import "github.com/ditgo/ditgo/tensor"

// GroupNorm returns (x̂·gamma + beta)·(1 + scale) + shift for x [B, C, H, W]
// normalised over groups of C/groups channels (ε = tensor.GroupNormEps),
// with the learned affine gamma, beta [C] and ADM's per-sample modulation
// shift, scale [B, C] from the timestep embedding (either may be nil: a
// plain nn.GroupNorm when both are). One fused kernel each way; the forward
// saves the group means and reciprocal standard deviations for the backward
// (see tensor.GroupNorm).
func (g *Graph) GroupNorm(x, gamma, beta, shift, scale *Var, groups int) *Var {
	return g.GroupNormEps(x, gamma, beta, shift, scale, groups, tensor.GroupNormEps)
}

// GroupNormEps is GroupNorm with ε = eps: the Stable Diffusion VAE's
// GroupNorms have 1e-6.
func (g *Graph) GroupNormEps(x, gamma, beta, shift, scale *Var, groups int, eps float32) *Var {
	var shiftT, scaleT *tensor.Tensor
	if shift != nil {
		shiftT = shift.Value
	}
	if scale != nil {
		scaleT = scale.Value
	}
	y, mean, rstd := tensor.GroupNorm(x.Value, gamma.Value, beta.Value, shiftT, scaleT, groups, eps)
	g.Own(mean)
	g.Own(rstd)
	out := g.result(y, x, gamma, beta, shift, scale)
	out.backward = func() {
		modulated := (shift != nil && shift.requiresGrad) || (scale != nil && scale.requiresGrad)
		dx, dgamma, dbeta, dshift, dscale := tensor.GroupNormBackward(out.Grad, x.Value, gamma.Value, beta.Value, scaleT, mean, rstd, groups, modulated)
		g.accumulate(x, dx)
		g.accumulate(gamma, dgamma)
		g.accumulate(beta, dbeta)
		if modulated { // a nil shift or scale: accumulate still frees its gradient
			g.accumulate(shift, dshift)
			g.accumulate(scale, dscale)
		}
	}
	return out
}
