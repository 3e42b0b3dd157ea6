package nn

import (
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Conv2d is a 2-D convolution over NCHW images, PyTorch's nn.Conv2d with a
// square kernel and the same zero padding on every side: weight
// [out, in, k, k], bias [out] or nil.
type Conv2d struct {
	Weight, Bias *autograd.Var
	Stride, Pad  int
}

// NewConv2d makes a Conv2d with zero weights; call an initialiser or load
// a checkpoint.
func NewConv2d(dev tensor.Device, in, out, k, stride, pad int, bias bool) *Conv2d {
	c := &Conv2d{Weight: autograd.Param(tensor.Zeros(dev, out, in, k, k)), Stride: stride, Pad: pad}
	if bias {
		c.Bias = autograd.Param(tensor.Zeros(dev, out))
	}
	return c
}

// InitDefault is PyTorch's default initialisation of a convolution, which
// the ADM U-Net keeps for every convolution it does not zero: weight and
// bias uniform in ±1/√fan_in, with fan_in = in·k·k.
func (c *Conv2d) InitDefault(r *rand.Rand) {
	w := c.Weight.Value
	fanIn := w.Dim(1) * w.Dim(2) * w.Dim(3)
	bound := 1 / math.Sqrt(float64(fanIn))
	Uniform(w, bound, r)
	if c.Bias != nil {
		Uniform(c.Bias.Value, bound, r)
	}
}

// Register adds prefix.weight and prefix.bias.
func (c *Conv2d) Register(p *Params, prefix string) {
	p.Add(prefix+".weight", c.Weight)
	if c.Bias != nil {
		p.Add(prefix+".bias", c.Bias)
	}
}

// Forward maps x [B, in, H, W] to [B, out, OH, OW].
func (c *Conv2d) Forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	return g.Conv2D(x, c.Weight, c.Bias, c.Stride, c.Pad)
}
