package autograd

import "github.com/ditgo/ditgo/tensor"

// UseRNG puts the graph in training mode for its random ops: Dropout draws
// its masks from r, advancing it, so that a run that saves r's state (two
// integers) resumes with the same masks. A graph without a stream is in
// evaluation mode, where Dropout is the identity, as PyTorch's dropout is
// after model.eval(): sampling and evaluation never call UseRNG.
func (g *Graph) UseRNG(r *tensor.RNG) { g.rng = r }

// Dropout zeroes each element of x with probability p and scales the rest
// by 1/(1−p) (see tensor.Dropout), with a mask from the graph's stream. It
// returns x itself when p is 0 or the graph is in evaluation mode (no
// UseRNG).
//
// Backward: for its mask dropout is linear, dx = dout·mask/(1−p), which
// is dropout of dout with the same stretch of the stream; the mask is
// drawn again rather than kept, so it costs no memory.
func (g *Graph) Dropout(x *Var, p float64) *Var {
	if p == 0 || g.rng == nil {
		return x
	}
	args := g.rng.Dropout(float32(p), x.Value.Numel())
	out := g.result(tensor.Dropout(x.Value, args), x)
	out.backward = func() { g.accumulate(x, tensor.Dropout(out.Grad, args)) }
	return out
}
