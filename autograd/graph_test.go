package autograd_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// A training step allocates intermediates and gradients; Release must give
// every one of them back, leaving only the parameters and their gradients.
func TestReleaseFreesTheStep(t *testing.T) {
	dev := tensor.NewCPU()
	w := autograd.Param(tensor.Full(dev, 0.5, 4, 3))
	b := autograd.Param(tensor.Zeros(dev, 4))
	params := dev.LiveBuffers()

	for step := range 3 {
		g := autograd.NewGraph()
		x := g.Const(g.Own(tensor.Full(dev, float32(step), 2, 5, 3)))
		h := g.GELU(g.Linear(x, w, b))
		loss := g.Mean(g.Mul(h, h))
		g.Backward(loss)
		if g.Owned() == 0 {
			t.Fatal("the graph owns no tensors after a step")
		}
		g.Release()
		// The two parameter gradients are allocated on the first step and
		// then reused.
		if got := dev.LiveBuffers(); got != params+2 {
			t.Fatalf("step %d: %d live buffers after Release, want %d (parameters and their gradients)", step, got, params+2)
		}
	}
}

// Gradients of a parameter add up over steps until ZeroGrad.
func TestParamGradientsAccumulate(t *testing.T) {
	dev := tensor.NewCPU()
	x := autograd.Param(tensor.FromSlice(dev, []float32{1, 2}, 2))
	step := func() {
		g := autograd.NewGraph()
		g.Backward(g.SumAll(g.Scale(x, 3)))
		g.Release()
	}
	step()
	step()
	if got := x.Grad.Data(); !slices.Equal(got, []float32{6, 6}) {
		t.Fatalf("after two steps grad = %v, want [6 6]", got)
	}
	x.ZeroGrad()
	step()
	if got := x.Grad.Data(); !slices.Equal(got, []float32{3, 3}) {
		t.Fatalf("after ZeroGrad and one step grad = %v, want [3 3]", got)
	}
}

// A no-grad graph makes no Var that requires a gradient, still owns its
// tensors, and Keep lets a result outlive it.
func TestNoGradGraphAndKeep(t *testing.T) {
	dev := tensor.NewCPU()
	w := autograd.Param(tensor.Full(dev, 2, 3, 3))
	live := dev.LiveBuffers()
	g := autograd.NewNoGradGraph()
	x := g.Const(g.Own(tensor.Full(dev, 1, 1, 3)))
	y := g.Linear(x, w, nil)
	if y.RequiresGrad() {
		t.Fatal("a Var of a no-grad graph requires a gradient")
	}
	kept := g.Keep(y)
	g.Release()
	if got := dev.LiveBuffers(); got != live+1 {
		t.Fatalf("%d live buffers after Release with one kept result, want %d", got, live+1)
	}
	if got := kept.Data(); !slices.Equal(got, []float32{6, 6, 6}) {
		t.Fatalf("kept result %v, want [6 6 6]", got)
	}
	kept.Release()
}

// An input that is only a Const receives no gradient, and the op rules skip
// the work for it.
func TestConstGetsNoGradient(t *testing.T) {
	dev := tensor.NewCPU()
	w := autograd.Param(tensor.Full(dev, 1, 2, 2))
	g := autograd.NewGraph()
	defer g.Release()
	x := g.Const(g.Own(tensor.Full(dev, 1, 3, 2)))
	g.Backward(g.SumAll(g.Linear(x, w, nil)))
	if x.Grad != nil {
		t.Fatal("a Const received a gradient")
	}
	if got := w.Grad.Data(); !slices.Equal(got, []float32{3, 3, 3, 3}) {
		t.Fatalf("weight gradient %v, want all 3 (three rows of ones)", got)
	}
}

func TestBackwardMisuse(t *testing.T) {
	dev := tensor.NewCPU()
	for _, c := range []struct {
		name, want string
		run        func(g *autograd.Graph)
	}{
		{"non-scalar loss", "want a scalar", func(g *autograd.Graph) {
			x := autograd.Param(tensor.Zeros(dev, 2))
			g.Backward(g.Scale(x, 2))
		}},
		{"loss without parameters", "does not depend", func(g *autograd.Graph) {
			g.Backward(g.SumAll(g.Const(g.Own(tensor.Zeros(dev, 2)))))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := autograd.NewGraph()
			defer g.Release()
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, c.want) {
					t.Fatalf("panic %q, want one containing %q", msg, c.want)
				}
			}()
			c.run(g)
		})
	}
}

// Owning a tensor twice keeps it once, so a gradient that reaches a graph
// by two routes (a backward rule hands it to accumulate, which takes
// ownership, and it is already some Var's Grad) is freed exactly once.
func TestOwnIsIdempotent(t *testing.T) {
	dev := tensor.NewCPU()
	live := dev.LiveBuffers()
	g := autograd.NewGraph()
	x := tensor.Zeros(dev, 3)
	g.Own(x)
	g.Own(x)
	g.Own(x.Reshape(1, 3)) // a view: owning it frees nothing more
	if n := g.Owned(); n != 2 {
		t.Errorf("the graph holds %d entries after owning a tensor twice and a view once, want 2", n)
	}
	g.Release() // a double free would panic
	if n := dev.LiveBuffers(); n != live {
		t.Errorf("%d buffers live after Release, want %d", n, live)
	}
}
