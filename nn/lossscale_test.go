package nn_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// linearGrads returns the weight gradient of loss = lossScale·Σ(x·Wᵀ) for a
// 16→8 Linear layer in precision p, with the loss first multiplied by the
// scaler's scale and the gradient unscaled by it when s is not nil.
func linearGrads(t *testing.T, dev tensor.Device, p autograd.Precision, lossScale float32, s *nn.LossScaler) []float32 {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	l := nn.NewLinear(dev, 16, 8, false)
	l.InitXavier(r)
	var params nn.Params
	l.Register(&params, "l")
	xs := make([]float32, 4*16)
	for i := range xs {
		xs[i] = float32(r.NormFloat64())
	}
	g := autograd.NewGraph()
	defer g.Release()
	restore := g.Autocast(p)
	loss := g.Scale(g.SumAll(l.Forward(g, g.Const(g.Own(tensor.FromSlice(dev, xs, 4, 16))))), lossScale)
	restore()
	if s != nil {
		loss = g.Scale(loss, s.Scale)
	}
	g.Backward(loss)
	if s != nil {
		ok, err := s.Unscale(&params)
		if err != nil || !ok {
			t.Fatalf("Unscale: %v, %v; want finite gradients", ok, err)
		}
	}
	grad, err := l.Weight.Grad.ToHost()
	if err != nil {
		t.Fatal(err)
	}
	l.Weight.Value.Release()
	l.Weight.Grad.Release()
	return grad
}

// Why float16 needs a loss scale: a loss of 10⁻⁹·Σy gives the layer an
// upstream gradient of 10⁻⁹, below float16's smallest number (2⁻²⁴), so
// its float16 weight gradient is exactly zero. Scaled by 2¹⁶ and unscaled
// after, the gradient is float32's to float16's precision (2⁻¹¹), on
// every device.
func TestLossScalerKeepsSmallGradients(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		const small = 1e-9
		want := linearGrads(t, dev, autograd.FP32, small, nil)
		lost := linearGrads(t, dev, autograd.FP16, small, nil)
		kept := linearGrads(t, dev, autograd.FP16, small, nn.NewLossScaler())
		var top float64
		for _, w := range want {
			top = max(top, math.Abs(float64(w)))
		}
		if top == 0 {
			t.Fatal("the float32 gradient is zero: the case tests nothing")
		}
		for i := range want {
			if lost[i] != 0 {
				t.Fatalf("unscaled float16 gradient[%d] = %g, want 0 (the upstream gradient underflows)", i, lost[i])
			}
			if e := math.Abs(float64(kept[i] - want[i])); e > 2e-3*top {
				t.Errorf("scaled float16 gradient[%d] = %g, want %g (error %.3g of the largest)", i, kept[i], want[i], e/top)
			}
		}
	})
}

// A gradient that is not finite skips the step: every gradient is zeroed,
// the scale halves and the skip is counted. Clean steps unscale exactly
// (the scale is a power of two), and GrowthInterval of them in a row
// double the scale.
func TestLossScalerSkipsAndGrows(t *testing.T) {
	dev := tensor.NewCPU()
	a := autograd.Param(tensor.Zeros(dev, 3))
	b := autograd.Param(tensor.Zeros(dev, 2))
	var params nn.Params
	params.Add("a", a)
	params.Add("b", b)
	s := nn.NewLossScaler()
	s.GrowthInterval = 3
	set := func(av, bv []float32) {
		a.Grad = tensor.FromSlice(dev, av, 3)
		b.Grad = tensor.FromSlice(dev, bv, 2)
	}
	for _, bad := range []float32{float32(math.Inf(1)), float32(math.NaN())} {
		set([]float32{1, 2, 3}, []float32{bad, 5})
		before := s.Scale
		ok, err := s.Unscale(&params)
		if err != nil || ok {
			t.Fatalf("Unscale with a %v gradient: %v, %v; want false, nil", bad, ok, err)
		}
		if s.Scale != before/2 || s.Clean != 0 {
			t.Errorf("after a %v gradient: scale %v, clean %d; want %v, 0", bad, s.Scale, s.Clean, before/2)
		}
		for _, v := range append(a.Grad.Data(), b.Grad.Data()...) {
			if v != 0 {
				t.Errorf("a skipped step left gradient %v, want 0", v)
			}
		}
	}
	if s.Skipped != 2 || s.Scale != 1<<14 {
		t.Fatalf("after two skips: %+v, want 2 skipped and a scale of 2¹⁴", *s)
	}
	for step := 1; step <= 3; step++ {
		set([]float32{3 << 14, -1, 0.5}, []float32{1 << 20, 0})
		ok, err := s.Unscale(&params)
		if err != nil || !ok {
			t.Fatalf("clean step %d: %v, %v", step, ok, err)
		}
		scale := float32(1 << 14)
		if got := append(a.Grad.Data(), b.Grad.Data()...); got[0] != 3 || got[1] != -1/scale || got[2] != 0.5/scale || got[3] != 64 || got[4] != 0 {
			t.Errorf("clean step %d: unscaled gradients %v, want [3 %g %g 64 0]", step, got, -1/scale, 0.5/scale)
		}
		if want := map[int]float32{1: 1 << 14, 2: 1 << 14, 3: 1 << 15}[step]; s.Scale != want {
			t.Errorf("after clean step %d: scale %v, want %v", step, s.Scale, want)
		}
	}
	if s.Clean != 0 {
		t.Errorf("the doubling left clean = %d, want 0", s.Clean)
	}
	bad := *s
	bad.Scale = float32(math.NaN())
	if bad.Check() == nil {
		t.Error("Check accepts a NaN scale")
	}
	if s.Check() != nil {
		t.Errorf("Check refuses %+v", *s)
	}
}
