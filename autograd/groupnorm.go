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
	return g.groupNorm(x, gamma, beta, shift, scale, groups, eps, false)
}

// GroupNormSiLU returns SiLU(GroupNormEps(x, ...)), the pair that opens
// the ResBlocks of the U-Net and of the SD VAE, as one kernel each way
// (tensor.GroupNormSiLU): the group norm's output, the SiLU's input, is
// neither stored nor kept for the backward, which recomputes it.
func (g *Graph) GroupNormSiLU(x, gamma, beta, shift, scale *Var, groups int, eps float32) *Var {
	return g.groupNorm(x, gamma, beta, shift, scale, groups, eps, true)
}

// groupNorm is GroupNormEps, and GroupNormSiLU with silu.
func (g *Graph) groupNorm(x, gamma, beta, shift, scale *Var, groups int, eps float32, silu bool) *Var {
	var shiftT, scaleT *tensor.Tensor
	if shift != nil {
		shiftT = shift.Value
	}
	if scale != nil {
		scaleT = scale.Value
	}
	var y, mean, rstd *tensor.Tensor
	if silu {
		y, mean, rstd = tensor.GroupNormSiLU(x.Value, gamma.Value, beta.Value, shiftT, scaleT, groups, eps)
	} else {
		y, mean, rstd = tensor.GroupNorm(x.Value, gamma.Value, beta.Value, shiftT, scaleT, groups, eps)
	}
	g.Own(mean)
	g.Own(rstd)
	out := g.result(y, x, gamma, beta, shift, scale)
	out.backward = func() {
		modulated := (shift != nil && shift.requiresGrad) || (scale != nil && scale.requiresGrad)
		var dx, dgamma, dbeta, dshift, dscale *tensor.Tensor
		if silu {
			dx, dgamma, dbeta, dshift, dscale = tensor.GroupNormSiLUBackward(out.Grad, x.Value, gamma.Value, beta.Value, shiftT, scaleT, mean, rstd, groups, modulated)
		} else {
			dx, dgamma, dbeta, dshift, dscale = tensor.GroupNormBackward(out.Grad, x.Value, gamma.Value, beta.Value, scaleT, mean, rstd, groups, modulated)
		}
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
