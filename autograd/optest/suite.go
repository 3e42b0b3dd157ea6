package optest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Options tune a run of the suite.
type Options struct {
	// Sizes are the axis lengths random-shape cases draw from.
	Sizes []int
	// Random is the number of random-shape cases made for each op.
	Random int
	// Seed makes the random shapes and values reproducible.
	Seed uint64
	// TolScale multiplies the float32 tolerance, for devices whose
	// transcendental functions are less exact than Go's math package.
	TolScale float64
	// MaxHeadDim caps the head dimension of random attention cases, for
	// devices whose attention kernel has a limit (0: no cap).
	MaxHeadDim int
}

// DefaultSizes are 1, small odd sizes, and sizes either side of 8, 16, 32
// and 64, the usual vector widths and tile edges.
var DefaultSizes = []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65}

func (o Options) withDefaults() Options {
	if o.Sizes == nil {
		o.Sizes = DefaultSizes
	}
	if o.Random == 0 {
		o.Random = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.TolScale == 0 {
		o.TolScale = 1
	}
	return o
}

// Run checks every case of the suite on dev against the float64 CPU
// reference: the forward values and the gradients of the autograd ops, and
// the results of the other kernels. It also checks that every case frees all
// the device memory it allocated.
func Run(t *testing.T, dev tensor.Device, opts Options) {
	opts = opts.withDefaults()
	ref := tensor.NewCPU64()
	cases, kernels := Cases(opts), KernelCases(opts)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			data, weights, ints := c.inputs(opts.Seed)
			want := evaluate(t, ref, c, data, weights, ints)
			got := evaluate(t, dev, c, data, weights, ints)
			tol := 1e-6 * (10 + float64(c.Accum)) * opts.TolScale
			compare(t, "output", got.out, want.out, tol)
			for i := range want.grads {
				compare(t, fmt.Sprintf("gradient of input %d %v", i, c.Inputs[i].Shape), got.grads[i], want.grads[i], tol)
			}
		})
	}
	for _, k := range kernels {
		t.Run(k.Name, func(t *testing.T) {
			want := runKernel(t, ref, k, opts.Seed)
			got := runKernel(t, dev, k, opts.Seed)
			tol := 1e-6 * (10 + float64(k.Accum)) * opts.TolScale
			if k.Tol != 0 {
				tol = k.Tol * opts.TolScale
			}
			for i := range want {
				compare(t, fmt.Sprintf("result %d", i), got[i], want[i], tol)
			}
		})
	}
	t.Logf("op suite on %s: %d autograd cases (forward and gradient), %d kernel cases", dev.Name(), len(cases), len(kernels))
}

// GradCheck compares, for every autograd case, the float64 reference's
// analytic gradients with central differences
//
//	∂L/∂x_j ≈ (L(x + h·e_j) − L(x − h·e_j)) / 2h
//
// of the same loss L = Σ w·op(x), at up to 24 sampled elements per input.
func GradCheck(t *testing.T, opts Options) {
	opts = opts.withDefaults()
	ref := tensor.NewCPU64()
	cases := Cases(opts)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			data, weights, ints := c.inputs(opts.Seed)
			analytic := evaluate(t, ref, c, data, weights, ints)
			r := rand.New(rand.NewPCG(opts.Seed, 99))
			for i, x := range data {
				for _, j := range sample(r, len(x), 24) {
					h := 1e-5 * max(1, math.Abs(x[j]))
					orig := x[j]
					x[j] = orig + h
					plus := lossAt(t, ref, c, data, weights, ints)
					x[j] = orig - h
					minus := lossAt(t, ref, c, data, weights, ints)
					x[j] = orig
					fd := (plus - minus) / (2 * h)
					an := analytic.grads[i][j]
					scale := math.Abs(fd) + rms(analytic.grads[i]) + 1e-12
					if math.Abs(an-fd)/scale > 1e-6 {
						t.Errorf("input %d %v, element %d: analytic gradient %.10g, central difference %.10g", i, c.Inputs[i].Shape, j, an, fd)
					}
				}
			}
		})
	}
	t.Logf("gradient check: %d autograd cases against float64 central differences", len(cases))
}

// result is what one evaluation of a case produced, read back as float64.
type result struct {
	out   []float64
	loss  float64
	grads [][]float64
}

// evaluate runs a case on dev: the op, the loss Σ w·out, and Backward. It
// frees everything it made and fails the test if any device buffer leaks.
func evaluate(t *testing.T, dev tensor.Device, c Case, data [][]float64, weights []float64, ints []int32) result {
	t.Helper()
	live := dev.LiveBuffers()
	params := make([]*autograd.Var, len(data))
	for i, d := range data {
		params[i] = autograd.Param(tensor.FromFloat64(dev, d, c.Inputs[i].Shape...))
	}
	g := autograd.NewGraph()
	var idx *tensor.Tensor
	if ints != nil {
		idx = g.Own(tensor.FromInt32(dev, ints, len(ints)))
	}
	y := c.Build(g, params, idx)
	w := g.Own(tensor.FromFloat64(dev, weights, y.Shape()...))
	loss := g.SumAll(g.Mul(y, g.Const(w)))
	g.Backward(loss)

	var r result
	r.out = read(t, y.Value)
	r.loss = read(t, loss.Value)[0]
	for _, p := range params {
		if p.Grad == nil { // no gradient reached this input
			r.grads = append(r.grads, make([]float64, p.Value.Numel()))
			continue
		}
		r.grads = append(r.grads, read(t, p.Grad))
		p.Grad.Release()
	}
	g.Release()
	for _, p := range params {
		p.Value.Release()
	}
	if n := dev.LiveBuffers(); n != live {
		t.Errorf("%s: %d device buffers leaked", dev.Name(), n-live)
	}
	return r
}

// lossAt evaluates Σ w·op(x) without gradients.
func lossAt(t *testing.T, dev tensor.Device, c Case, data [][]float64, weights []float64, ints []int32) float64 {
	t.Helper()
	g := autograd.NewNoGradGraph()
	defer g.Release()
	in := make([]*autograd.Var, len(data))
	for i, d := range data {
		in[i] = g.Const(g.Own(tensor.FromFloat64(dev, d, c.Inputs[i].Shape...)))
	}
	var idx *tensor.Tensor
	if ints != nil {
		idx = g.Own(tensor.FromInt32(dev, ints, len(ints)))
	}
	y := c.Build(g, in, idx)
	w := g.Own(tensor.FromFloat64(dev, weights, y.Shape()...))
	return read(t, g.SumAll(g.Mul(y, g.Const(w))).Value)[0]
}

func read(t *testing.T, x *tensor.Tensor) []float64 {
	t.Helper()
	v, err := x.Float64s()
	if err != nil {
		t.Fatalf("reading %v: %v", x, err)
	}
	return v
}

// compare fails the test unless every |got − want| is within tol of the
// scale |want| + rms(want); the rms floor keeps near-zero entries of a
// cancelling sum from demanding impossible relative accuracy.
func compare(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	floor := rmsFinite(want) + 1e-30
	worst, at := 0.0, -1
	for i := range want {
		e := math.Abs(got[i]-want[i]) / (math.Abs(want[i]) + floor)
		switch {
		case math.IsNaN(got[i]) && math.IsNaN(want[i]), got[i] == want[i]:
			continue // both NaN, or equal (infinities included): agreed
		case math.IsNaN(got[i]) || math.IsNaN(want[i]) || math.IsNaN(e):
			e = math.Inf(1)
		}
		if e > worst {
			worst, at = e, i
		}
	}
	if worst > tol {
		t.Errorf("%s: element %d is %.8g, want %.8g (relative error %.2g > %.2g)", what, at, got[at], want[at], worst, tol)
	}
}

// rmsFinite is the rms of the finite values.
func rmsFinite(x []float64) float64 {
	var s float64
	n := 0
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			s += v * v
			n++
		}
	}
	return math.Sqrt(s / float64(max(n, 1)))
}

func rms(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(max(len(x), 1)))
}

// sample returns up to k distinct indices below n.
func sample(r *rand.Rand, n, k int) []int {
	if n <= k {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	return r.Perm(n)[:k]
}
