package nn

import (
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Attention is multi-head self-attention with a fused qkv projection, as in
// ViT and DiT: qkv = Linear(D, 3D), softmax attention per head, then an
// output projection Linear(D, D). Its data movement is two layout kernels,
// one into the packed [3, B, H, T, Dh] that the attention kernel reads and
// one out of its [B, H, T, Dh] result (and the same two in the backward
// pass).
type Attention struct {
	Heads int
	QKV   *Linear // [3D, D]: rows 0..D−1 make q, D..2D−1 k, 2D..3D−1 v
	Proj  *Linear // [D, D]
}

// NewAttention makes the layer for hidden size d and the given head count.
func NewAttention(dev tensor.Device, d, heads int) *Attention {
	if heads <= 0 || d%heads != 0 {
		panic("nn.NewAttention: hidden size must be a multiple of the head count")
	}
	return &Attention{Heads: heads, QKV: NewLinear(dev, d, 3*d, true), Proj: NewLinear(dev, d, d, true)}
}

// InitXavier initialises both projections Xavier-uniform with zero bias.
func (a *Attention) InitXavier(r *rand.Rand) {
	a.QKV.InitXavier(r)
	a.Proj.InitXavier(r)
}

// Register adds prefix.qkv and prefix.proj.
func (a *Attention) Register(p *Params, prefix string) {
	a.QKV.Register(p, prefix+".qkv")
	a.Proj.Register(p, prefix+".proj")
}

// Forward attends over the tokens of x [B, T, D] and returns [B, T, D].
func (a *Attention) Forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	qkv := g.SplitQKV(a.QKV.Forward(g, x), a.Heads) // [B, T, 3D] → [3, B, H, T, Dh]
	y := g.MergeHeads(g.Attention(qkv))             // [B, H, T, Dh] → [B, T, D]
	return a.Proj.Forward(g, y)                     // [B, T, D]
}
