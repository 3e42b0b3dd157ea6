package vae

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// resnet is a ResNet block: GroupNorm, SiLU and a 3×3 convolution, twice,
// added to the input, through a 1×1 convolution (conv_shortcut) when the
// channels change. Without a timestep, unlike the U-Net's.
type resnet struct {
	norm1, norm2 *nn.GroupNorm
	conv1, conv2 *nn.Conv2d
	shortcut     *nn.Conv2d // nil when in = out
}

func newResnet(dev tensor.Device, c Config, in, out int) *resnet {
	r := &resnet{norm1: groupNorm(dev, c, in), conv1: nn.NewConv2d(dev, in, out, 3, 1, 1, true),
		norm2: groupNorm(dev, c, out), conv2: nn.NewConv2d(dev, out, out, 3, 1, 1, true)}
	if in != out {
		r.shortcut = nn.NewConv2d(dev, in, out, 1, 1, 0, true)
	}
	return r
}

// groupNorm is the VAE's GroupNorm, with ε = Eps.
func groupNorm(dev tensor.Device, c Config, ch int) *nn.GroupNorm {
	n := nn.NewGroupNorm(dev, c.Groups, ch)
	n.Eps = Eps
	return n
}

func (r *resnet) register(p *nn.Params, prefix string) {
	r.norm1.Register(p, prefix+".norm1")
	r.conv1.Register(p, prefix+".conv1")
	r.norm2.Register(p, prefix+".norm2")
	r.conv2.Register(p, prefix+".conv2")
	if r.shortcut != nil {
		r.shortcut.Register(p, prefix+".conv_shortcut")
	}
}

func (r *resnet) forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	h := r.conv1.Forward(g, r.norm1.ForwardSiLU(g, x, nil, nil))
	h = r.conv2.Forward(g, r.norm2.ForwardSiLU(g, h, nil, nil))
	if r.shortcut != nil {
		x = r.shortcut.Forward(g, x)
	}
	return g.Add(x, h)
}

// attention is the middle blocks' single-head self-attention over the H·W
// positions: GroupNorm, q, k and v by three Linear layers on the tokens,
// softmax(q·kᵀ/√C)·v on the fused attention kernel, an output Linear
// (to_out.0), added to the input.
type attention struct {
	norm          *nn.GroupNorm
	q, k, v, proj *nn.Linear
}

func newAttention(dev tensor.Device, c Config, ch int) *attention {
	return &attention{norm: groupNorm(dev, c, ch), q: nn.NewLinear(dev, ch, ch, true), k: nn.NewLinear(dev, ch, ch, true),
		v: nn.NewLinear(dev, ch, ch, true), proj: nn.NewLinear(dev, ch, ch, true)}
}

func (a *attention) register(p *nn.Params, prefix string) {
	a.norm.Register(p, prefix+".group_norm")
	a.q.Register(p, prefix+".to_q")
	a.k.Register(p, prefix+".to_k")
	a.v.Register(p, prefix+".to_v")
	a.proj.Register(p, prefix+".to_out.0")
}

func (a *attention) forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	s := x.Value.Shape()
	b, ch, t := s[0], s[1], s[2]*s[3]
	tokens := g.Permute(g.Reshape(a.norm.Forward(g, x, nil, nil), b, ch, t), 0, 2, 1) // [B, T, C]
	qkv := g.Concat(2, a.q.Forward(g, tokens), a.k.Forward(g, tokens), a.v.Forward(g, tokens))
	att := g.Attention(g.Permute(g.Reshape(qkv, b, t, 3, 1, ch), 2, 0, 3, 1, 4)) // [B, 1, T, C]
	h := a.proj.Forward(g, g.MergeHeads(att))                                    // [B, T, C]
	return g.Add(x, g.Reshape(g.Permute(h, 0, 2, 1), s...))
}

// middle is the middle block: ResNet, attention, ResNet.
type middle struct {
	res0, res1 *resnet
	attn       *attention
}

func newMiddle(dev tensor.Device, c Config, ch int) *middle {
	return &middle{res0: newResnet(dev, c, ch, ch), attn: newAttention(dev, c, ch), res1: newResnet(dev, c, ch, ch)}
}

func (m *middle) register(p *nn.Params, prefix string) {
	m.res0.register(p, prefix+".resnets.0")
	m.attn.register(p, prefix+".attentions.0")
	m.res1.register(p, prefix+".resnets.1")
}

func (m *middle) forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	return m.res1.forward(g, m.attn.forward(g, m.res0.forward(g, x)))
}

// downsample halves the side: the map is padded by one zero column on the
// right and one zero row at the bottom (not on every side), then a
// stride-2 3×3 convolution without padding, as the public encoder does.
// The padding is a concatenation with zeros, which costs a copy of the map
// and needs no kernel of its own.
func downsample(g *autograd.Graph, conv *nn.Conv2d, x *autograd.Var) *autograd.Var {
	s := x.Value.Shape()
	dev := x.Value.Device()
	x = g.Concat(3, x, g.Const(g.Own(tensor.Zeros(dev, s[0], s[1], s[2], 1))))
	x = g.Concat(2, x, g.Const(g.Own(tensor.Zeros(dev, s[0], s[1], 1, s[3]+1))))
	return conv.Forward(g, x)
}

// upsample doubles the side: nearest-neighbour copies, then a 3×3
// convolution.
func upsample(g *autograd.Graph, conv *nn.Conv2d, x *autograd.Var) *autograd.Var {
	return conv.Forward(g, g.Upsample2x(x))
}
