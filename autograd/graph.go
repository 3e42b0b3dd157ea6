package autograd

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// Var is a tensor in a computation graph. Value is the forward result; Grad
// is ∂loss/∂Value after Backward (nil when no gradient reached it).
type Var struct {
	Value *tensor.Tensor
	Grad  *tensor.Tensor

	requiresGrad bool
	param        bool   // a trainable leaf: its Grad outlives the graph
	parents      []*Var // the inputs of the op that made this Var
	backward     func() // adds this Var's Grad into its parents' Grads
}

// Param wraps a trainable tensor. A parameter lives for the whole run, so its
// Grad is owned by the parameter, not by any graph: gradients from every
// step accumulate into it until ZeroGrad.
func Param(t *tensor.Tensor) *Var {
	return &Var{Value: t, requiresGrad: true, param: true}
}

// ZeroGrad sets a parameter's gradient to zero (it stays allocated).
func (v *Var) ZeroGrad() {
	if v.Grad != nil {
		tensor.Fill(v.Grad, 0)
	}
}

// RequiresGrad reports whether gradients flow to v.
func (v *Var) RequiresGrad() bool { return v.requiresGrad }

// Shape is the shape of v's value.
func (v *Var) Shape() []int { return v.Value.Shape() }

// Graph records the ops of one forward pass so that Backward can run them in
// reverse, and owns every tensor those ops make. It is the per-step scope of
// the engine: Release frees all of it at once after the optimizer step. A
// graph made by NewNoGradGraph records nothing for backward (sampling,
// evaluation) but still owns and releases its tensors.
type Graph struct {
	grad      bool
	precision Precision               // of the matrix products recorded now (Autocast)
	rng       *tensor.RNG             // the stream of Dropout; nil: evaluation mode (UseRNG)
	owned     []*tensor.Tensor        // in the order taken, for Release
	isOwned   map[*tensor.Tensor]bool // the same tensors, so that Own is idempotent
}

// NewGraph returns a graph that records gradients.
func NewGraph() *Graph { return &Graph{grad: true} }

// NewNoGradGraph returns a graph for inference: no Var it makes requires a
// gradient.
func NewNoGradGraph() *Graph { return &Graph{} }

// Const wraps a tensor that needs no gradient (data, labels, noise). The
// caller keeps ownership; see Own to hand it to the graph instead.
func (g *Graph) Const(t *tensor.Tensor) *Var { return &Var{Value: t} }

// Own hands t to the graph, which releases it in Release, and returns it.
// Owning a tensor twice is harmless: the graph keeps it once. Owning a view
// (a Reshape) is harmless too: releasing a view does nothing.
func (g *Graph) Own(t *tensor.Tensor) *tensor.Tensor {
	if t == nil || g.isOwned[t] {
		return t
	}
	if g.isOwned == nil {
		g.isOwned = map[*tensor.Tensor]bool{}
	}
	g.isOwned[t] = true
	g.owned = append(g.owned, t)
	return t
}

// Keep takes v's value out of the graph's care, so that it survives Release;
// the caller must release it. Use it for results such as a sampler's output.
func (g *Graph) Keep(v *Var) *tensor.Tensor {
	for i, t := range g.owned {
		if t == v.Value {
			g.owned = append(g.owned[:i], g.owned[i+1:]...)
			delete(g.isOwned, t)
			return t
		}
	}
	panic(fmt.Sprintf("autograd.Keep: %v is not owned by this graph (a Reshape view or a Const?)", v.Value))
}

// Release frees every tensor the graph owns: op results, saved statistics and
// the gradients of non-parameters. Vars of this graph must not be used after.
func (g *Graph) Release() {
	for _, t := range g.owned {
		if !t.Released() {
			t.Release()
		}
	}
	g.owned, g.isOwned = nil, nil
}

// RecordsGrad reports whether the graph records gradients: false for a
// graph made by NewNoGradGraph.
func (g *Graph) RecordsGrad() bool { return g.grad }

// Owned is the number of tensors the graph would free in Release.
func (g *Graph) Owned() int { return len(g.owned) }

// result makes the Var for an op's output: the graph takes the value, and
// the Var requires a gradient when any input does.
func (g *Graph) result(value *tensor.Tensor, parents ...*Var) *Var {
	g.Own(value)
	out := &Var{Value: value}
	if g.grad {
		for _, p := range parents {
			if p != nil && p.requiresGrad {
				out.requiresGrad = true
				out.parents = parents
				break
			}
		}
	}
	return out
}

// view is result for an output that shares its input's buffer (a reshape):
// the graph must not free it, the owner of the buffer does.
func (g *Graph) view(value *tensor.Tensor, parent *Var) *Var {
	out := &Var{Value: value}
	if g.grad && parent.requiresGrad {
		out.requiresGrad = true
		out.parents = []*Var{parent}
	}
	return out
}

// accumulate adds grad into v.Grad, and the graph takes ownership of grad
// whatever happens to it: a backward rule hands over the gradients it makes
// and never frees them itself (nil v, or one that needs no gradient, is
// fine). A parameter's Grad is its own tensor and is updated in place. Any
// other Var may simply take grad as its Grad the first time, since nobody
// writes into a gradient in place; a second contribution makes a new sum.
func (g *Graph) accumulate(v *Var, grad *tensor.Tensor) {
	g.Own(grad)
	switch {
	case v == nil || !v.requiresGrad:
	case v.param:
		v.ensureGrad()
		tensor.BinaryInto(tensor.OpAdd, v.Grad, v.Grad, grad)
	case v.Grad == nil:
		v.Grad = grad
	default:
		v.Grad = g.Own(tensor.Add(v.Grad, grad))
	}
}

// accumulateMatMul adds op(a)·op(b), its operands rounded as r says, into
// v.Grad. A parameter's gradient is computed straight into its Grad, with
// no temporary.
func (g *Graph) accumulateMatMul(v *Var, a, b *tensor.Tensor, transA, transB bool, r tensor.Rounding) {
	switch {
	case !v.requiresGrad:
	case v.param:
		v.ensureGrad()
		tensor.MatMulAccRounded(v.Grad, a, b, transA, transB, r)
	default:
		g.accumulate(v, matMul(r, a, b, transA, transB, nil))
	}
}

func (v *Var) ensureGrad() {
	if v.Grad == nil {
		v.Grad = tensor.Zeros(v.Value.Device(), v.Value.Shape()...)
	}
}

// Backward computes the gradient of the scalar loss with respect to every
// Var that requires one: it seeds ∂loss/∂loss = 1 and back-propagates.
func (g *Graph) Backward(loss *Var) {
	if loss.Value.Numel() != 1 {
		panic(fmt.Sprintf("autograd.Backward: loss has shape %v, want a scalar", loss.Value.Shape()))
	}
	if !loss.requiresGrad {
		panic("autograd.Backward: the loss does not depend on anything that requires a gradient")
	}
	g.backwardFrom(loss, tensor.Full(loss.Value.Device(), 1, loss.Value.Shape()...))
}

// backwardFrom adds seed, a gradient of from's shape, to from's gradient
// and carries it down to every Var that from depends on: it orders the
// graph so that each Var comes after the Vars it was made from (a
// depth-first topological sort) and runs each op's backward rule from there
// down. Backward seeds a scalar loss with 1; Checkpoint seeds a recomputed
// segment with the gradient that reached the segment's output. The graph
// takes seed as accumulate does.
func (g *Graph) backwardFrom(from *Var, seed *tensor.Tensor) {
	var order []*Var
	seen := map[*Var]bool{}
	var visit func(v *Var)
	visit = func(v *Var) {
		if seen[v] || !v.requiresGrad {
			return
		}
		seen[v] = true
		for _, p := range v.parents {
			if p != nil {
				visit(p)
			}
		}
		order = append(order, v)
	}
	visit(from)

	// By the time the loop reaches a Var, every user of it has added its
	// share to its Grad. (A Chunk's join node is the one Var that collects
	// its gradient itself, from its parts.)
	g.accumulate(from, seed)
	for i := len(order) - 1; i >= 0; i-- {
		if v := order[i]; v.backward != nil {
			v.backward()
		}
	}
}
