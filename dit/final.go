package dit

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// FinalLayer turns each token back into a P×P patch of the output: an
// adaLN-modulated LayerNorm (shift and scale from c), then a Linear from D
// to P·P·C_out. Both Linears start at zero, so the untrained model outputs
// exactly 0.
type FinalLayer struct {
	AdaLN  *nn.Linear // adaLN_modulation.1: [2D, D]
	Linear *nn.Linear // [P·P·C_out, D]
}

func newFinalLayer(dev tensor.Device, c Config) *FinalLayer {
	return &FinalLayer{
		AdaLN:  nn.NewLinear(dev, c.Hidden, 2*c.Hidden, true),
		Linear: nn.NewLinear(dev, c.Hidden, c.Patch*c.Patch*c.OutChannels(), true),
	}
}

func (f *FinalLayer) register(p *nn.Params, prefix string) {
	f.AdaLN.Register(p, prefix+".adaLN_modulation.1")
	f.Linear.Register(p, prefix+".linear")
}

// Forward maps tokens x [B, T, D] under c [B, D] to [B, T, P·P·C_out], each
// token laid out (row, col, channel).
func (f *FinalLayer) Forward(g *autograd.Graph, x, c *autograd.Var) *autograd.Var {
	m := g.Chunk(f.AdaLN.Forward(g, g.SiLU(c)), 2, 1) // shift, scale: 2 × [B, D]
	return f.Linear.Forward(g, g.LayerNormModulate(x, m[0], m[1]))
}
