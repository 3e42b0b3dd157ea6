package optest

import (
	"hash/fnv"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Input describes one float input of a case.
type Input struct {
	Shape []int
	// Positive draws values from [0.5, 2] instead of N(0, 1), for the
	// inputs of Log and the denominators of Div.
	Positive bool
}

// Case is one autograd op on fixed shapes.
type Case struct {
	Name   string
	Inputs []Input
	// Ints, when not nil, are int32 indices handed to Build as a tensor.
	Ints []int32
	// Build applies the op under test to Vars holding the inputs.
	Build func(g *autograd.Graph, in []*autograd.Var, idx *tensor.Tensor) *autograd.Var
	// Accum is the longest sum in the forward or backward pass (K for a
	// matmul, T·Dh for attention); the float32 tolerance grows with it.
	Accum int
}

// inputs draws the case's input values and the loss weights, from a stream
// that depends only on the seed and the case's name. Values are rounded to
// float32, so every device starts from exactly the same numbers.
func (c Case) inputs(seed uint64) (data [][]float64, weights []float64, ints []int32) {
	h := fnv.New64a()
	h.Write([]byte(c.Name))
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	draw := func(n int, positive bool) []float64 {
		x := make([]float64, n)
		for i := range x {
			v := r.NormFloat64()
			if positive {
				v = 0.5 + 1.5*r.Float64()
			}
			x[i] = float64(float32(v))
		}
		return x
	}
	for _, in := range c.Inputs {
		data = append(data, draw(numel(in.Shape), in.Positive))
	}
	return data, draw(c.outputSize(), false), c.Ints
}

// outputSize runs the case once on zeros to learn the size of its output.
func (c Case) outputSize() int {
	dev := tensor.NewCPU64()
	g := autograd.NewNoGradGraph()
	defer g.Release()
	in := make([]*autograd.Var, len(c.Inputs))
	for i, x := range c.Inputs {
		in[i] = g.Const(g.Own(tensor.Full(dev, 1, x.Shape...)))
	}
	var idx *tensor.Tensor
	if c.Ints != nil {
		idx = g.Own(tensor.FromInt32(dev, c.Ints, len(c.Ints)))
	}
	return c.Build(g, in, idx).Value.Numel()
}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// KernelCase is a kernel outside autodiff. Run draws its inputs from r (the
// same stream on every device), runs the kernel, releases its scratch
// tensors and returns the tensors to compare, which the suite releases.
type KernelCase struct {
	Name  string
	Accum int
	// Tol, when not zero, is the case's relative tolerance instead of the
	// float32 one, 1e-6·(10 + Accum), for kernels whose results may
	// differ by more than float32 sums do (bfloat16 attention).
	Tol float64
	Run func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor
}

func runKernel(t testingT, dev tensor.Device, k KernelCase, seed uint64) [][]float64 {
	live := dev.LiveBuffers()
	h := fnv.New64a()
	h.Write([]byte(k.Name))
	outs := k.Run(dev, rand.New(rand.NewPCG(seed, h.Sum64())))
	var vals [][]float64
	for _, o := range outs {
		v, err := o.Float64s()
		if err != nil {
			t.Fatalf("reading %v on %s: %v", o, dev.Name(), err)
		}
		vals = append(vals, v)
		o.Release()
	}
	if n := dev.LiveBuffers(); n != live {
		t.Errorf("%s: %d device buffers leaked", dev.Name(), n-live)
	}
	return vals
}

// testingT is the part of *testing.T that helpers use.
type testingT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// randomFloats returns a host slice of n standard normals rounded to float32.
func randomFloats(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}
