package autograd

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// Attention returns softmax(q·kᵀ/√Dh)·v per batch and head, for q, k, v of
// shape [B, H, T, Dh]. Only the output and one log-sum-exp per query row are
// kept for the backward pass, which recomputes the probabilities.
func (g *Graph) Attention(q, k, v *Var) *Var {
	mustRank("Attention", q, 4)
	scale := float32(1 / math.Sqrt(float64(q.Value.Dim(3))))
	y, lse := tensor.Attention(q.Value, k.Value, v.Value, scale)
	g.Own(lse)
	out := g.result(y, q, k, v)
	out.backward = func() {
		dq, dk, dv := tensor.AttentionBackward(out.Grad, q.Value, k.Value, v.Value, out.Value, lse, scale)
		g.accumulate(q, g.Own(dq))
		g.accumulate(k, g.Own(dk))
		g.accumulate(v, g.Own(dv))
	}
	return out
}
