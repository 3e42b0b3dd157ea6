package unet

import (
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// AttentionBlock is ADM's self-attention over the H·W positions of a
// feature map, with a residual:
//
//	q,k,v = qkv(GN(x))           a 1×1 convolution to 3·C channels
//	out   = x + proj_out(attention(q, k, v))
//
// The public code stores qkv and proj_out as 1-D convolutions, weights
// [3C, C, 1] and [C, C, 1]; on the tokens [B, T, C] they are Linear layers
// on the [3C, C] and [C, C] views. Its legacy head order (QKVAttentionLegacy)
// lays the 3C channels out head by head, each head's q, k and v together:
// channel = head·3·ch + j·ch + c for j = 0, 1, 2 (q, k, v) and ch = C/heads,
// so the projection's [B, T, 3C] is [B, T, heads, 3, ch], which one
// permutation takes to the fused kernel's [3, B, heads, T, ch]. Its scale,
// 1/√√ch on q and on k, is the usual 1/√ch on their product. proj_out
// starts at zero, so a new block is the identity.
type AttentionBlock struct {
	Heads   int
	Norm    *nn.GroupNorm
	QKV     *nn.Linear // weight [3C, C, 1]
	ProjOut *nn.Linear // weight [C, C, 1]
}

func newAttentionBlock(dev tensor.Device, c Config, ch int) *AttentionBlock {
	conv1d := func(in, out int) *nn.Linear {
		return &nn.Linear{Weight: autograd.Param(tensor.Zeros(dev, out, in, 1)), Bias: autograd.Param(tensor.Zeros(dev, out))}
	}
	return &AttentionBlock{Heads: c.headsAt(ch), Norm: nn.NewGroupNorm(dev, c.Groups, ch), QKV: conv1d(ch, 3*ch), ProjOut: conv1d(ch, ch)}
}

func (a *AttentionBlock) register(p *nn.Params, prefix string) {
	a.Norm.Register(p, prefix+".norm")
	a.QKV.Register(p, prefix+".qkv")
	a.ProjOut.Register(p, prefix+".proj_out")
}

func (a *AttentionBlock) init(r *rand.Rand) {
	a.QKV.InitDefault(r)
	zero(a.ProjOut.Weight, a.ProjOut.Bias)
}

func (a *AttentionBlock) forward(g *autograd.Graph, x, _ *autograd.Var) *autograd.Var {
	s := x.Value.Shape()
	b, ch, t := s[0], s[1], s[2]*s[3]
	linear := func(l *nn.Linear, h *autograd.Var) *autograd.Var {
		w := l.Weight.Value
		return g.Linear(h, g.Reshape(l.Weight, w.Dim(0), w.Dim(1)), l.Bias)
	}
	tokens := g.Permute(g.Reshape(a.Norm.Forward(g, x, nil, nil), b, ch, t), 0, 2, 1) // [B, T, C]
	qkv := g.Reshape(linear(a.QKV, tokens), b, t, a.Heads, 3, ch/a.Heads)             // [B, T, heads, 3, ch']
	att := g.Attention(g.Permute(qkv, 3, 0, 2, 1, 4))                                 // [B, heads, T, ch']
	h := linear(a.ProjOut, g.MergeHeads(att))                                         // [B, T, C]
	return g.Add(x, g.Reshape(g.Permute(h, 0, 2, 1), s...))
}
