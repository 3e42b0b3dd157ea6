package nn

import (
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Attention is multi-head self-attention with a fused qkv projection, as in
// ViT and DiT: qkv = Linear(D, 3D), softmax attention per head, then an
// output projection Linear(D, D).
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
	qkv := g.Chunk(a.QKV.Forward(g, x), 3, 2) // 3 × [B, T, D]
	q := g.SplitHeads(qkv[0], a.Heads)        // [B, H, T, Dh]
	k := g.SplitHeads(qkv[1], a.Heads)
	v := g.SplitHeads(qkv[2], a.Heads)
	y := g.MergeHeads(g.Attention(q, k, v)) // [B, T, D]
	return a.Proj.Forward(g, y)
}
