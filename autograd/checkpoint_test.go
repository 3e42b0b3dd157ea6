package autograd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
	"github.com/ditgo/ditgo/vk"
)

// The segment of these tests, a small residual MLP under adaLN modulation:
//
//	y = x + LNmod(MLP(x), shift, scale)
//
// with x [B, T, D], shift, scale [B, D] and a reshape to rows and back
// around the MLP. x is used twice inside (the MLP and the residual).
const segB, segT, segD, segH = 2, 3, 8, 16

// segmentParams are the parameters the segment captures.
type segmentParams struct {
	w1, b1, w2 *autograd.Var // [H, D], [H], [D, H]
}

func newSegmentParams(dev tensor.Device, r *rand.Rand) segmentParams {
	return segmentParams{
		w1: autograd.Param(randomTensor(dev, r, segH, segD)),
		b1: autograd.Param(randomTensor(dev, r, segH)),
		w2: autograd.Param(randomTensor(dev, r, segD, segH)),
	}
}

func (p segmentParams) all() []*autograd.Var { return []*autograd.Var{p.w1, p.b1, p.w2} }

// forward builds the segment for in = x, shift, scale.
func (p segmentParams) forward(g *autograd.Graph, in []*autograd.Var) *autograd.Var {
	x, shift, scale := in[0], in[1], in[2]
	rows := g.Reshape(x, segB*segT, segD)                           // [B·T, D]
	h := g.GELU(g.Linear(rows, p.w1, p.b1))                         // [B·T, H]
	h = g.Reshape(g.MatMul(h, p.w2, false, true), segB, segT, segD) // [B, T, D]
	return g.Add(x, g.LayerNormModulate(h, shift, scale))           // [B, T, D]
}

func randomTensor(dev tensor.Device, r *rand.Rand, shape ...int) *tensor.Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(r.NormFloat64())
	}
	return tensor.FromSlice(dev, data, shape...)
}

// gradients reads the Grad of each Var (nil where none reached it).
func gradients(vs ...*autograd.Var) [][]float32 {
	out := make([][]float32, len(vs))
	for i, v := range vs {
		if v.Grad != nil {
			out[i] = v.Grad.Data()
		}
	}
	return out
}

// sameGradients checks got (with Checkpoint, or a fused op) against want
// (without): bit for bit on the CPU devices, whose kernels are
// deterministic and whose recomputed values are therefore the first ones
// exactly, and within a float32 rounding tolerance on Vulkan.
func sameGradients(t *testing.T, dev tensor.Device, names []string, got, want [][]float32) {
	t.Helper()
	_, approx := dev.(*vk.Device)
	for i := range want {
		if (got[i] == nil) != (want[i] == nil) {
			t.Errorf("%s: gradient present %v, want %v", names[i], got[i] != nil, want[i] != nil)
			continue
		}
		for j := range want[i] {
			a, b := got[i][j], want[i][j]
			if approx {
				if d := math.Abs(float64(a - b)); d > 1e-5+1e-5*math.Abs(float64(b)) {
					t.Errorf("%s[%d] = %g, want %g", names[i], j, a, b)
					break
				}
			} else if math.Float32bits(a) != math.Float32bits(b) {
				t.Errorf("%s[%d] = %g, want %g (%08x, %08x): not bit-identical",
					names[i], j, a, b, math.Float32bits(a), math.Float32bits(b))
				break
			}
		}
	}
}

// Gradients through a checkpointed segment equal those of the same segment
// built directly, for the segment's inputs and for the parameters it
// captures; and the forward pass leaves the graph one tensor richer, the
// output, whatever the segment made.
func TestCheckpointGradients(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		r := rand.New(rand.NewPCG(1, 2))
		p := newSegmentParams(dev, r)
		x0 := autograd.Param(randomTensor(dev, r, segB, segT, segD))
		cond := autograd.Param(randomTensor(dev, r, segB, segD))
		wc := autograd.Param(randomTensor(dev, r, 2*segD, segD))
		params := append(p.all(), x0, cond, wc)
		defer func() {
			for _, v := range params {
				v.Value.Release()
				v.Grad.Release()
			}
		}()
		names := []string{"w1", "b1", "w2", "x0", "cond", "wc", "x", "shift", "scale"}

		// step runs one training step: the segment's inputs are made by ops
		// (so they are not leaves), and the loss is a mean square of its
		// output.
		step := func(checkpoint bool) [][]float32 {
			for _, v := range params {
				v.ZeroGrad()
			}
			g := autograd.NewGraph()
			defer g.Release()
			x := g.Scale(x0, 0.5)                       // [B, T, D]
			m := g.Chunk(g.Linear(cond, wc, nil), 2, 1) // 2 × [B, D]
			in := []*autograd.Var{x, m[0], m[1]}
			var y *autograd.Var
			if checkpoint {
				owned := g.Owned()
				y = g.Checkpoint(p.forward, in...)
				if n := g.Owned() - owned; n != 1 {
					t.Errorf("the checkpointed forward left %d more tensors in the graph, want 1 (the output)", n)
				}
				if !y.RequiresGrad() {
					t.Fatal("the checkpoint's output requires no gradient")
				}
			} else {
				y = p.forward(g, in)
			}
			g.Backward(g.Mean(g.Mul(y, y)))
			return gradients(append(params, in...)...)
		}
		want := step(false)
		live := dev.LiveBuffers() // the parameters and their gradients
		got := step(true)
		sameGradients(t, dev, names, got, want)
		if n := dev.LiveBuffers(); n != live {
			t.Errorf("%d buffers live after the steps, want %d: the checkpoint leaked or freed twice", n, live)
		}
	})
}

// A segment nested in a larger graph, with an input x that is used inside
// it (twice) and outside it. Backward reaches the segment's ops before the
// outside user here (the outside branch is the Add's first operand, so the
// topological sort lists it first and the reversed loop runs it last): x's
// gradient is (inside₁ + inside₂) + outside either way, the same sum in the
// same grouping, so it is bit-identical too.
func TestCheckpointNested(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		p, x0, shift, scale, params := modulatedSegment(t, dev, 3, 4)
		names := []string{"w1", "b1", "w2", "x0", "shift", "scale", "x"}

		step := func(checkpoint bool) [][]float32 {
			for _, v := range params {
				v.ZeroGrad()
			}
			g := autograd.NewGraph()
			defer g.Release()
			x := g.Tanh(x0)
			segment := func(g *autograd.Graph, in []*autograd.Var) *autograd.Var {
				return p.forward(g, in)
			}
			if checkpoint {
				segment = func(g *autograd.Graph, in []*autograd.Var) *autograd.Var {
					return g.Checkpoint(p.forward, in...)
				}
			}
			// shift and scale are parameters passed as inputs: each stands
			// for itself inside the segment.
			y := g.Add(g.GELU(x), segment(g, []*autograd.Var{x, shift, scale}))
			g.Backward(g.Mean(g.Mul(y, y)))
			return gradients(append(params, x)...)
		}
		want := step(false)
		got := step(true)
		sameGradients(t, dev, names, got, want)
	})
}

// A segment whose input is data still trains the parameters it captures
// (its output requires a gradient because of them), and the input gets no
// gradient. A segment of data and no parameters requires none.
func TestCheckpointInputWithoutGradient(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		r := rand.New(rand.NewPCG(5, 6))
		p := newSegmentParams(dev, r)
		data := randomTensor(dev, r, segB, segT, segD)
		shift, scale := randomTensor(dev, r, segB, segD), randomTensor(dev, r, segB, segD)
		defer func() {
			for _, t := range []*tensor.Tensor{data, shift, scale} {
				t.Release()
			}
			for _, v := range p.all() {
				v.Value.Release()
				v.Grad.Release()
			}
		}()

		var inputs []*autograd.Var
		step := func(checkpoint bool) [][]float32 {
			for _, v := range p.all() {
				v.ZeroGrad()
			}
			g := autograd.NewGraph()
			defer g.Release()
			inputs = []*autograd.Var{g.Const(data), g.Const(shift), g.Const(scale)}
			var y *autograd.Var
			if checkpoint {
				y = g.Checkpoint(p.forward, inputs...)
			} else {
				y = p.forward(g, inputs)
			}
			g.Backward(g.Mean(g.Mul(y, y)))
			return gradients(append(p.all(), inputs...)...)
		}
		want := step(false)
		got := step(true)
		sameGradients(t, dev, []string{"w1", "b1", "w2", "x", "shift", "scale"}, got, want)
		for i, v := range inputs {
			if v.Grad != nil {
				t.Errorf("input %d, a Const, received a gradient", i)
			}
		}

		g := autograd.NewGraph()
		defer g.Release()
		y := g.Checkpoint(func(g *autograd.Graph, in []*autograd.Var) *autograd.Var {
			return g.GELU(in[0])
		}, g.Const(data))
		if y.RequiresGrad() {
			t.Error("a segment of data without parameters requires a gradient")
		}
	})
}

// In a graph without gradients Checkpoint is the segment with its
// intermediates freed at once: the same values, and one more live buffer
// (the output) where the plain segment leaves every intermediate alive
// until Release.
func TestCheckpointNoGrad(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		r := rand.New(rand.NewPCG(7, 8))
		p := newSegmentParams(dev, r)
		x, shift, scale := randomTensor(dev, r, segB, segT, segD), randomTensor(dev, r, segB, segD), randomTensor(dev, r, segB, segD)
		defer func() {
			for _, t := range []*tensor.Tensor{x, shift, scale} {
				t.Release()
			}
			for _, v := range p.all() {
				v.Value.Release()
			}
		}()
		run := func(checkpoint bool) (values []float32, grew, owned int) {
			g := autograd.NewNoGradGraph()
			defer g.Release()
			in := []*autograd.Var{g.Const(x), g.Const(shift), g.Const(scale)}
			live := dev.LiveBuffers()
			var y *autograd.Var
			if checkpoint {
				y = g.Checkpoint(p.forward, in...)
			} else {
				y = p.forward(g, in)
			}
			return y.Value.Data(), dev.LiveBuffers() - live, g.Owned()
		}
		want, plainGrew, _ := run(false)
		got, grew, owned := run(true)
		if grew != 1 || owned != 1 {
			t.Errorf("the checkpointed segment left %d buffers live and %d tensors in the graph, want 1 and 1 (the output)", grew, owned)
		}
		if plainGrew <= 1 {
			t.Errorf("the plain segment left %d buffers live; the test expects it to keep its intermediates", plainGrew)
		}
		sameGradients(t, dev, []string{"y"}, [][]float32{got}, [][]float32{want})
	})
}

// A segment that begins and ends with a reshape: its output is a view of
// a tensor the sub-graph made, and its input's gradient a view of another.
// Both must outlive the sub-graph, and be freed exactly once, by g.
func TestCheckpointViews(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		r := rand.New(rand.NewPCG(9, 10))
		x0 := autograd.Param(randomTensor(dev, r, 2, 6))
		defer x0.Value.Release()
		segment := func(g *autograd.Graph, in []*autograd.Var) *autograd.Var {
			return g.Reshape(g.GELU(g.Reshape(in[0], 3, 4)), 12) // [2, 6] → [3, 4] → [12]
		}
		var values [2][]float32
		var grads [2][][]float32
		live := dev.LiveBuffers()
		for i, checkpoint := range []bool{false, true} {
			x0.ZeroGrad()
			g := autograd.NewGraph()
			x := g.Scale(x0, 2)
			var y *autograd.Var
			if checkpoint {
				y = g.Checkpoint(segment, x)
			} else {
				y = segment(g, []*autograd.Var{x})
			}
			g.Backward(g.SumAll(g.Mul(y, y)))
			values[i], grads[i] = y.Value.Data(), gradients(x0, x)
			g.Release()
		}
		x0.Grad.Release()
		if n := dev.LiveBuffers(); n != live {
			t.Errorf("%d buffers live after both steps, want %d", n, live)
		}
		sameGradients(t, dev, []string{"y"}, [][]float32{values[1]}, [][]float32{values[0]})
		sameGradients(t, dev, []string{"x0", "x"}, grads[1], grads[0])
	})
}

// A model of four residual blocks, each checkpointed: during the forward
// pass the graph holds one tensor per block, its output, and the backward
// pass recomputes each block to get its gradient. (Without Checkpoint the
// graph would hold three tensors per block: the Linear's, the GELU's and the
// sum.)
func ExampleGraph_Checkpoint() {
	dev := tensor.NewCPU()
	w := autograd.Param(tensor.Full(dev, 0.5, 3, 3))
	block := func(g *autograd.Graph, in []*autograd.Var) *autograd.Var {
		return g.Add(in[0], g.GELU(g.Linear(in[0], w, nil))) // x + GELU(x·Wᵀ)
	}

	g := autograd.NewGraph()
	x := autograd.Param(tensor.FromSlice(dev, []float32{1, -1, 2}, 1, 3))
	h := x
	for i := range 4 {
		h = g.Checkpoint(block, h)
		fmt.Printf("block %d: the graph holds %d tensors\n", i, g.Owned())
	}
	g.Backward(g.SumAll(h))
	fmt.Printf("x.Grad %.3f\n", x.Grad.Data())
	g.Release()
	// Output:
	// block 0: the graph holds 1 tensors
	// block 1: the graph holds 2 tensors
	// block 2: the graph holds 3 tensors
	// block 3: the graph holds 4 tensors
	// x.Grad [42.453 42.453 42.453]
}

// Dropout inside checkpointed segments: the recomputation replays the
// graph's stream from where each segment started, so two segments in a
// row and a dropout after them get the masks they got without
// checkpointing, the gradients are the same, and the stream ends at the
// same place. The masks do act: the gradients differ from evaluation
// mode's.
func TestCheckpointDropout(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		p, x0, shift, scale, params := modulatedSegment(t, dev, 5, 6)
		names := []string{"w1", "b1", "w2", "x0", "shift", "scale"}
		segment := func(g *autograd.Graph, in []*autograd.Var) *autograd.Var {
			return g.Dropout(p.forward(g, []*autograd.Var{g.Dropout(in[0], 0.5), in[1], in[2]}), 0.25)
		}
		step := func(checkpoint, train bool) ([][]float32, tensor.RNG) {
			for _, v := range params {
				v.ZeroGrad()
			}
			g := autograd.NewGraph()
			defer g.Release()
			rng := tensor.RNG{Seed: 77, Offset: 4}
			if train {
				g.UseRNG(&rng)
			}
			y := x0
			for range 2 {
				if checkpoint {
					y = g.Checkpoint(segment, y, shift, scale)
				} else {
					y = segment(g, []*autograd.Var{y, shift, scale})
				}
			}
			y = g.Dropout(y, 0.5)
			g.Backward(g.Mean(g.Mul(y, y)))
			return gradients(params...), rng
		}
		want, wantRNG := step(false, true)
		got, gotRNG := step(true, true)
		sameGradients(t, dev, names, got, want)
		if gotRNG != wantRNG || wantRNG.Offset == 4 {
			t.Errorf("the stream ended at %+v with checkpoints, %+v without (it started at offset 4)", gotRNG, wantRNG)
		}
		eval, _ := step(false, false)
		if slices.Equal(eval[0], want[0]) {
			t.Error("dropout changed no gradient: the masks did not act")
		}
	})
}

// modulatedSegment makes the segment's parameters and leaves x0, shift and
// scale for a segment fed by parameters, all drawn from the stream
// (seed1, seed2), and releases them and their gradients when the test
// ends. params lists them all: the segment's, then x0, shift and scale.
func modulatedSegment(t *testing.T, dev tensor.Device, seed1, seed2 uint64) (p segmentParams, x0, shift, scale *autograd.Var, params []*autograd.Var) {
	r := rand.New(rand.NewPCG(seed1, seed2))
	p = newSegmentParams(dev, r)
	x0 = autograd.Param(randomTensor(dev, r, segB, segT, segD))
	shift = autograd.Param(randomTensor(dev, r, segB, segD))
	scale = autograd.Param(randomTensor(dev, r, segB, segD))
	params = append(p.all(), x0, shift, scale)
	t.Cleanup(func() {
		for _, v := range params {
			v.Value.Release()
			v.Grad.Release()
		}
	})
	return p, x0, shift, scale, params
}
