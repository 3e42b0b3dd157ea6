package autograd

import (
	"slices"

	"github.com/ditgo/ditgo/tensor"
)

// Gradient checkpointing trades compute for memory (Chen et al. 2016,
// "Training Deep Nets with Sublinear Memory Cost"; torch.utils.checkpoint).
// A graph keeps every intermediate of the forward pass until Release,
// because the backward rules read them, so the memory of a training step
// grows with depth × batch. A checkpointed segment keeps only its inputs
// and its output. Its backward rule runs the segment's forward again to get
// the intermediates back, back-propagates through that copy and frees it.
// A DiT whose every block is checkpointed holds the activations of one
// block at a time, for the price of one more forward pass of the blocks.

// Checkpoint returns f(in), computed so that g holds its output but none of
// the intermediates f makes.
//
// f builds the segment in the graph sub from stand-ins for the inputs and
// returns its output. A stand-in is a leaf Var with the input's value that
// requires a gradient exactly when the input does; a parameter passed as an
// input stands for itself. f may also use parameters that it captures. It
// runs once in the forward pass and once more in the backward pass, so it
// must compute the same values both times, and it must keep no Var of sub.
// Its random ops (Dropout) do: the recomputation replays g's stream from
// where the segment started.
//
// Forward: f runs in a sub-graph, which is released as soon as f returns;
// g takes the output.
//
// Whether the output requires a gradient: the sub-graph records gradients
// when g does, so the output requires one exactly when a gradient can flow
// through the segment, from an input or from a parameter f uses. Deciding
// from the inputs alone would be wrong: a segment fed only data would pass
// no gradient to its parameters. Recording costs no memory, since a forward
// kernel makes the same tensors in either kind of graph and the backward
// closures go with the sub-graph.
//
// Backward: the output's rule runs f again in a fresh sub-graph that
// records gradients, back-propagates the output's gradient through it,
// adds each stand-in's gradient to its input in g, and releases the
// sub-graph. The parameters that f uses accumulate into their own Grad, as
// anywhere else.
//
// In a graph that records no gradients (sampling, evaluation), Checkpoint
// simply runs f and frees its intermediates at once.
//
// The gradients are bit for bit the ones the same segment gives without
// Checkpoint, as long as every Var receives its gradient contributions in
// the same order. The kernels are deterministic, so the recomputed values
// are the first ones, and the sub-graph orders the segment's backward rules
// as g would. One order can change: a Var that the segment shares with the
// rest of the graph (an input, or a parameter also used outside f) gets all
// of the segment's contributions together, when the checkpoint's rule runs,
// and an input gets them already summed. Where, without the checkpoint, a
// contribution from outside f would have come between them, the sum is
// grouped differently and may differ in the last bit, since floating-point
// addition is not associative. In a chain of blocks, as in a DiT, none
// comes between.
func (g *Graph) Checkpoint(f func(sub *Graph, in []*Var) *Var, in ...*Var) *Var {
	// The segment's random ops draw from g's stream, and its recomputation
	// must draw the same numbers: it gets a copy of the stream as it was
	// when the segment started.
	var start *tensor.RNG
	if g.rng != nil {
		start = new(tensor.RNG)
		*start = *g.rng
	}
	sub := &Graph{grad: g.grad, precision: g.precision, rng: g.rng}
	y := f(sub, standIns(in))
	sub.handTo(g, y.Value) // the output outlives the segment
	sub.Release()
	out := &Var{Value: y.Value}
	if !y.requiresGrad {
		return out
	}
	out.requiresGrad, out.parents = true, slices.Clone(in)
	precision := g.precision // the recomputation's, whatever g's is by then
	out.backward = func() {
		sub := &Graph{grad: true, precision: precision}
		if start != nil {
			replay := *start
			sub.rng = &replay
		}
		defer sub.Release()
		stand := standIns(in)
		sub.backwardFrom(f(sub, stand), out.Grad)
		// The seed is g's, though a rule that passes its gradient on
		// unchanged (Add) made sub take it too; so are the stand-ins'
		// gradients now, which may be the seed, a view of it, or tensors
		// sub made.
		sub.handTo(g, out.Grad)
		for i, x := range in {
			if s := stand[i]; s != x && s.Grad != nil {
				sub.handTo(g, s.Grad)
				g.accumulate(x, s.Grad)
			}
		}
	}
	return out
}

// standIns makes a leaf Var for each input of a segment, with its value and
// whether it requires a gradient, so that the segment's gradients collect
// in the stand-ins and not in the inputs' own Grads. A parameter is its own
// stand-in: its gradient is its own tensor and not any graph's.
func standIns(in []*Var) []*Var {
	out := make([]*Var, len(in))
	for i, x := range in {
		if x.param {
			out[i] = x
		} else {
			out[i] = &Var{Value: x.Value, requiresGrad: x.requiresGrad}
		}
	}
	return out
}

// handTo moves the tensors of g that hold t's storage into to's care, so
// that g's Release leaves them to to's. That is t itself, or for a view
// (a Reshape) its base, which has the same Buffer. Nothing happens where g
// holds none.
func (g *Graph) handTo(to *Graph, t *tensor.Tensor) {
	buf := t.Buffer()
	kept := g.owned[:0]
	for _, o := range g.owned {
		if o.Buffer() == buf {
			delete(g.isOwned, o)
			to.Own(o)
		} else {
			kept = append(kept, o)
		}
	}
	g.owned = kept
}
