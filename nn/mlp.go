package nn

import (
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// MLP is the transformer's feed-forward layer: Linear(D, hidden), GELU
// (tanh approximation, as DiT uses), Linear(hidden, D).
type MLP struct {
	FC1 *Linear // [hidden, D]
	FC2 *Linear // [D, hidden]
}

// NewMLP makes the layer for hidden size d and the given inner width.
func NewMLP(dev tensor.Device, d, hidden int) *MLP {
	return &MLP{FC1: NewLinear(dev, d, hidden, true), FC2: NewLinear(dev, hidden, d, true)}
}

// InitXavier initialises both Linears Xavier-uniform with zero bias.
func (m *MLP) InitXavier(r *rand.Rand) {
	m.FC1.InitXavier(r)
	m.FC2.InitXavier(r)
}

// Register adds prefix.fc1 and prefix.fc2.
func (m *MLP) Register(p *Params, prefix string) {
	m.FC1.Register(p, prefix+".fc1")
	m.FC2.Register(p, prefix+".fc2")
}

// Forward maps x [B, T, D] to [B, T, D].
func (m *MLP) Forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	return g.MLP(x, m.FC1.Weight, m.FC1.Bias, m.FC2.Weight, m.FC2.Bias)
}
