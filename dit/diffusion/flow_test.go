package diffusion_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/tensor"
)

// linearVelocity is a rectified-flow denoiser whose velocity is known in
// closed form: v(x, t) = k(y)·(t/1000)·x, with k(y) = 1 + y for a class and
// k = 0.5 for the null label, so that both the timestep the model is shown
// and the guided mix of the two halves change the answer.
type linearVelocity struct{ dev tensor.Device }

const velocityClasses = 3

func velocityGain(y int32) float64 {
	if y == velocityClasses {
		return 0.5
	}
	return 1 + float64(y)
}

func (l linearVelocity) Forward(g *autograd.Graph, x *autograd.Var, t []float32, y []int32) *autograd.Var {
	k := make([]float32, len(t))
	for i := range k {
		k[i] = float32(velocityGain(y[i]) * float64(t[i]) / 1000)
	}
	return g.Mul(x, g.Const(g.Own(tensor.FromSlice(l.dev, k, len(k), 1, 1, 1))))
}

func (l linearVelocity) Spec() diffusion.Spec {
	return diffusion.Spec{Channels: 1, Size: 2, Classes: velocityClasses, NullClass: true}
}

func (l linearVelocity) Device() tensor.Device { return l.dev }

// The flow loss of a denoiser whose velocity is known: at noise level t it
// sees x_t = (1 − t)·x0 + t·ε and predicts k·t·x_t (k = 1000/1000 for label
// 0), against the target ε − x0.
func TestFlowLossOfAnyDenoiser(t *testing.T) {
	dev := tensor.NewCPU()
	x0 := []float32{-1, 0.5, 1, 0.25, 0.75, -0.5, 0, 1}
	noise := []float32{0.3, -1.2, 2, 0.1, -0.7, 0.4, 1.5, -0.2}
	ts := []float32{0.25, 0.9}
	n := tensor.FromSlice(dev, noise, 2, 1, 2, 2)
	defer n.Release()
	g := autograd.NewGraph()
	defer g.Release()
	l := diffusion.FlowLoss(g, linearVelocity{dev}, x0, n, ts, []int32{0, 2})
	var want float64
	for i := range x0 {
		b := i / 4
		tb := float64(ts[b])
		xt := (1-tb)*float64(x0[i]) + tb*float64(noise[i])
		pred := velocityGain([]int32{0, 2}[b]) * tb * xt
		d := pred - (float64(noise[i]) - float64(x0[i]))
		want += d * d / float64(len(x0))
	}
	got, _ := l.Total.Value.Item()
	if math.Abs(float64(got)-want) > 1e-6*want || l.VB != nil {
		t.Errorf("flow loss %v (VB %v), want the velocity MSE %v and no VB", got, l.VB, want)
	}
}

// For v = k·(t/1000)·x… as the model sees it, the samplers step
// z ← z + h·k·t_i·z: Euler multiplies z by (1 + h·k·t_i) on each step, Heun
// by 1 + h/2·(k·t_i + k·t_{i+1}·(1 + h·k·t_i)) but its last step is Euler's.
// Both are worked out here on the grid, independently of the sampler; the
// guided gain is k_null + s·(k_y − k_null). As the steps grow, both approach
// the ODE's exact solution z_0 = z_1·exp(−k/2) (∫₀¹ k·t dt = k/2), Heun far
// faster than Euler.
func TestFlowSamplers(t *testing.T) {
	dev := tensor.NewCPU()
	xT := []float32{1, -2, 0.5, 3, -1, 0.25, 2, -0.5}
	labels := []int32{0, 2}
	factor := func(sampler string, steps int, k, shift float64) float64 {
		ts := diffusion.FlowGrid(steps, shift)
		f := 1.0
		for i := range steps {
			h := ts[i+1] - ts[i]
			// The model is shown 1000·t rounded to float32.
			t0, t1 := float64(float32(1000*ts[i]))/1000, float64(float32(1000*ts[i+1]))/1000
			if sampler == "euler" || i == steps-1 {
				f *= 1 + h*k*t0
			} else {
				f *= 1 + h/2*(k*t0+k*t1*(1+h*k*t0))
			}
		}
		return f
	}
	for _, c := range []struct {
		sampler string
		steps   int
		cfg     float64
		shift   float64
	}{{"euler", 1, 1, 1}, {"euler", 10, 1, 1}, {"heun", 5, 1, 1}, {"heun", 5, 3, 1}, {"euler", 4, 2, 3}, {"heun", 3, 1, 2}} {
		x := tensor.FromSlice(dev, xT, 2, 1, 2, 2)
		out, err := diffusion.Sample(linearVelocity{dev}, nil, x, labels, nil,
			diffusion.SampleOptions{Sampler: c.sampler, Steps: c.steps, CFGScale: c.cfg, Shift: c.shift})
		x.Release()
		if err != nil {
			t.Fatal(err)
		}
		got := out.Data()
		out.Release()
		for i, v := range xT {
			y := labels[i/4]
			k := velocityGain(y)
			if c.cfg != 1 {
				k = velocityGain(velocityClasses) + c.cfg*(k-velocityGain(velocityClasses))
			}
			want := float64(v) * factor(c.sampler, c.steps, k, c.shift)
			if math.Abs(float64(got[i])-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("%+v: sample[%d] = %v, want %v", c, i, got[i], want)
				break
			}
		}
	}
	// Convergence to the exact solution: Heun's error falls with the
	// square of the steps, Euler's linearly.
	exact := math.Exp(-0.5)
	for _, n := range []int{5, 10, 20} {
		eu, he := math.Abs(factor("euler", n, 1, 1)-exact), math.Abs(factor("heun", n, 1, 1)-exact)
		if he >= eu/3 {
			t.Errorf("%d steps: Heun's error %.2g is not well below Euler's %.2g", n, he, eu)
		}
	}
}

func TestFlowGrid(t *testing.T) {
	if got := diffusion.FlowGrid(4, 1); !slices.Equal(got, []float64{1, 0.75, 0.5, 0.25, 0}) {
		t.Errorf("unshifted grid %v", got)
	}
	// S = 3 moves t = 0.5 to 3·0.5/(1 + 2·0.5) = 0.75; the ends stay.
	got := diffusion.FlowGrid(2, 3)
	if got[0] != 1 || got[2] != 0 || math.Abs(got[1]-0.75) > 1e-15 {
		t.Errorf("shifted grid %v, want [1 0.75 0]", got)
	}
}

// Logit-normal noise levels: sigmoid is monotone, so the median of t is
// sigmoid(mean), and every t lies strictly inside (0, 1).
func TestFlowTimesteps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, mean := range []float64{0, 1, -0.5} {
		ts := diffusion.FlowTimesteps(r, 20001, mean, 1)
		for _, v := range ts {
			if !(v > 0 && v < 1) {
				t.Fatalf("mean %v: noise level %v outside (0, 1)", mean, v)
			}
		}
		slices.Sort(ts)
		if want := 1 / (1 + math.Exp(-mean)); math.Abs(float64(ts[10000])-want) > 0.01 {
			t.Errorf("mean %v: median %v, want sigmoid(mean) = %v", mean, ts[10000], want)
		}
	}
}
