package unet

import (
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// ResBlock is ADM's residual block with the embedding as a scale and a
// shift (use_scale_shift_norm):
//
//	h   = conv₁(SiLU(GN₁(x)))                       in_layers.0, in_layers.2
//	s,b = chunk(Linear(SiLU(emb)), 2)               emb_layers.1: scale first
//	h   = conv₂(dropout(SiLU(GN₂(h)·(1+s) + b)))    out_layers.0, out_layers.3
//	out = skip(x) + h
//
// conv₁ and conv₂ are 3×3 with padding 1; conv₂ starts at zero, so a new
// block is the identity on its skip path. Each GroupNorm and the SiLU after
// it are one kernel (nn.GroupNorm.ForwardSiLU). The skip is x itself, or a 1×1
// convolution when the channels change (skip_connection).
type ResBlock struct {
	Norm1   *nn.GroupNorm
	Conv1   *nn.Conv2d
	Emb     *nn.Linear // emb → 2·out: scale, shift
	Norm2   *nn.GroupNorm
	Conv2   *nn.Conv2d
	Skip    *nn.Conv2d // nil when in = out
	Dropout float64
}

func newResBlock(dev tensor.Device, c Config, in, out int) *ResBlock {
	b := &ResBlock{
		Norm1:   nn.NewGroupNorm(dev, c.Groups, in),
		Conv1:   nn.NewConv2d(dev, in, out, 3, 1, 1, true),
		Emb:     nn.NewLinear(dev, c.EmbedDim(), 2*out, true),
		Norm2:   nn.NewGroupNorm(dev, c.Groups, out),
		Conv2:   nn.NewConv2d(dev, out, out, 3, 1, 1, true),
		Dropout: c.Dropout,
	}
	if in != out {
		b.Skip = nn.NewConv2d(dev, in, out, 1, 1, 0, true)
	}
	return b
}

func (b *ResBlock) register(p *nn.Params, prefix string) {
	b.Norm1.Register(p, prefix+".in_layers.0")
	b.Conv1.Register(p, prefix+".in_layers.2")
	b.Emb.Register(p, prefix+".emb_layers.1")
	b.Norm2.Register(p, prefix+".out_layers.0")
	b.Conv2.Register(p, prefix+".out_layers.3")
	if b.Skip != nil {
		b.Skip.Register(p, prefix+".skip_connection")
	}
}

// init is ADM's: PyTorch's defaults, and conv₂ zero.
func (b *ResBlock) init(r *rand.Rand) {
	b.Conv1.InitDefault(r)
	b.Emb.InitDefault(r)
	if b.Skip != nil {
		b.Skip.InitDefault(r)
	}
	zero(b.Conv2.Weight, b.Conv2.Bias)
}

func (b *ResBlock) forward(g *autograd.Graph, x, emb *autograd.Var) *autograd.Var {
	h := b.Conv1.Forward(g, b.Norm1.ForwardSiLU(g, x, nil, nil))
	ss := g.Chunk(b.Emb.Forward(g, g.SiLU(emb)), 2, 1) // [B, out] each: scale, shift
	h = b.Conv2.Forward(g, g.Dropout(b.Norm2.ForwardSiLU(g, h, ss[1], ss[0]), b.Dropout))
	skip := x
	if b.Skip != nil {
		skip = b.Skip.Forward(g, x)
	}
	return g.Add(skip, h)
}

// zero sets parameters to zero (zero_module in the public code).
func zero(vs ...*autograd.Var) {
	for _, v := range vs {
		if v != nil {
			tensor.Fill(v.Value, 0)
		}
	}
}
