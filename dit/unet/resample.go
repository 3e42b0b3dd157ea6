package unet

import (
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// Downsample halves the resolution with a 3×3 convolution of stride 2
// (ADM's default, conv_resample): key op.
type Downsample struct{ Op *nn.Conv2d }

func newDownsample(dev tensor.Device, ch int) *Downsample {
	return &Downsample{Op: nn.NewConv2d(dev, ch, ch, 3, 2, 1, true)}
}

func (d *Downsample) register(p *nn.Params, prefix string) { d.Op.Register(p, prefix+".op") }
func (d *Downsample) init(r *rand.Rand)                    { d.Op.InitDefault(r) }
func (d *Downsample) forward(g *autograd.Graph, x, _ *autograd.Var) *autograd.Var {
	return d.Op.Forward(g, x)
}

// Upsample doubles the resolution by repeating each pixel 2×2 (nearest
// neighbour), then smooths with a 3×3 convolution: key conv.
type Upsample struct{ Conv *nn.Conv2d }

func newUpsample(dev tensor.Device, ch int) *Upsample {
	return &Upsample{Conv: nn.NewConv2d(dev, ch, ch, 3, 1, 1, true)}
}

func (u *Upsample) register(p *nn.Params, prefix string) { u.Conv.Register(p, prefix+".conv") }
func (u *Upsample) init(r *rand.Rand)                    { u.Conv.InitDefault(r) }
func (u *Upsample) forward(g *autograd.Graph, x, _ *autograd.Var) *autograd.Var {
	return u.Conv.Forward(g, g.Upsample2x(x))
}

// inputConv is the first layer, a 3×3 convolution from the image's
// channels to Base (input_blocks.0.0).
type inputConv struct{ *nn.Conv2d }

func (c inputConv) register(p *nn.Params, prefix string) { c.Register(p, prefix) }
func (c inputConv) init(r *rand.Rand)                    { c.InitDefault(r) }
func (c inputConv) forward(g *autograd.Graph, x, _ *autograd.Var) *autograd.Var {
	return c.Forward(g, x)
}
