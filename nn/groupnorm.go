package nn

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// GroupNorm normalises NCHW activations over each sample's groups of
// channels and applies a learned per-channel affine, PyTorch's
// nn.GroupNorm (eps 1e-5): weight [C] starts at 1, bias [C] at 0.
type GroupNorm struct {
	Groups       int
	Eps          float32 // ε; 0 is PyTorch's default, tensor.GroupNormEps
	Weight, Bias *autograd.Var
}

// NewGroupNorm makes a GroupNorm of c channels in groups groups.
func NewGroupNorm(dev tensor.Device, groups, c int) *GroupNorm {
	return &GroupNorm{Groups: groups, Weight: autograd.Param(tensor.Full(dev, 1, c)), Bias: autograd.Param(tensor.Zeros(dev, c))}
}

// Register adds prefix.weight and prefix.bias.
func (n *GroupNorm) Register(p *Params, prefix string) {
	p.Add(prefix+".weight", n.Weight)
	p.Add(prefix+".bias", n.Bias)
}

// Forward normalises x [B, C, H, W]; with shift and scale [B, C] (nil for
// none) the result is then modulated per sample, norm(x)·(1+scale)+shift,
// as the ADM U-Net's blocks do with their timestep embedding.
func (n *GroupNorm) Forward(g *autograd.Graph, x, shift, scale *autograd.Var) *autograd.Var {
	return g.GroupNormEps(x, n.Weight, n.Bias, shift, scale, n.Groups, n.eps())
}

// eps is n's ε, PyTorch's default where Eps is 0.
func (n *GroupNorm) eps() float32 {
	if n.Eps == 0 {
		return tensor.GroupNormEps
	}
	return n.Eps
}

// ForwardSiLU is SiLU(Forward(g, x, shift, scale)) in one kernel each way
// (autograd.Graph.GroupNormSiLU), which stores neither the norm's output
// nor keeps it for the backward.
func (n *GroupNorm) ForwardSiLU(g *autograd.Graph, x, shift, scale *autograd.Var) *autograd.Var {
	return g.GroupNormSiLU(x, n.Weight, n.Bias, shift, scale, n.Groups, n.eps())
}
