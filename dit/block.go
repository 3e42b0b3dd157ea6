package dit

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// Block is the adaLN-Zero transformer block. The conditioning vector c
// (timestep + label embedding) regresses six vectors per sample — shift,
// scale and gate for the attention branch, then for the MLP branch — that
// modulate a LayerNorm without learned parameters and gate each residual.
// The regression Linear starts at zero, so every block starts as the
// identity ("Zero").
type Block struct {
	Attn  *nn.Attention
	MLP   *nn.MLP
	AdaLN *nn.Linear // adaLN_modulation.1: [6D, D] (adaLN_modulation.0 is the SiLU)
}

func newBlock(dev tensor.Device, c Config) *Block {
	return &Block{
		Attn:  nn.NewAttention(dev, c.Hidden, c.Heads),
		MLP:   nn.NewMLP(dev, c.Hidden, c.MLPRatio*c.Hidden),
		AdaLN: nn.NewLinear(dev, c.Hidden, 6*c.Hidden, true),
	}
}

func (b *Block) register(p *nn.Params, prefix string) {
	b.Attn.Register(p, prefix+".attn")
	b.MLP.Register(p, prefix+".mlp")
	b.AdaLN.Register(p, prefix+".adaLN_modulation.1")
}

// Forward updates tokens x [B, T, D] under conditioning c [B, D].
func (b *Block) Forward(g *autograd.Graph, x, c *autograd.Var) *autograd.Var {
	m := g.Chunk(b.AdaLN.Forward(g, g.SiLU(c)), 6, 1) // 6 × [B, D]
	shiftMSA, scaleMSA, gateMSA, shiftMLP, scaleMLP, gateMLP := m[0], m[1], m[2], m[3], m[4], m[5]
	x = g.GatedResidual(x, gateMSA, b.Attn.Forward(g, g.LayerNormModulate(x, shiftMSA, scaleMSA)))
	x = g.GatedResidual(x, gateMLP, b.MLP.Forward(g, g.LayerNormModulate(x, shiftMLP, scaleMLP)))
	return x // [B, T, D]
}
