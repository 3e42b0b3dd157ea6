package autograd

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// Attention returns softmax(q·kᵀ/√Dh)·v per batch and head, for q, k and v
// packed in qkv [3, B, H, T, Dh] (see SplitQKV); the result is
// [B, H, T, Dh]. Only the output and one log-sum-exp per query row are kept
// for the backward pass, which recomputes the probabilities and returns one
// packed gradient for qkv. Its products, q·kᵀ and P·v and their
// gradients, are in the graph's precision (Autocast).
func (g *Graph) Attention(qkv *Var) *Var {
	mustRank("Attention", qkv, 5)
	scale := float32(1 / math.Sqrt(float64(qkv.Value.Dim(4))))
	round := g.precision.Rounding()
	y, lse := tensor.AttentionRounded(qkv.Value, scale, round)
	g.Own(lse)
	out := g.result(y, qkv)
	out.backward = func() {
		g.accumulate(qkv, tensor.AttentionBackwardRounded(out.Grad, qkv.Value, out.Value, lse, scale, round))
	}
	return out
}
