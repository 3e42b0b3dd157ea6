package diffusion_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/tensor"
)

// zero is the simplest denoiser there is: it predicts ε = 0 and v = 0 for
// every input. Nothing about it is a DiT, which is the point.
type zero struct{ dev tensor.Device }

func (z zero) Forward(g *autograd.Graph, x *autograd.Var, t []float32, y []int32) *autograd.Var {
	s := x.Value.Shape()
	return g.Const(g.Own(tensor.Zeros(z.dev, s[0], 2*s[1], s[2], s[3])))
}

func (z zero) Spec() diffusion.Spec {
	return diffusion.Spec{Channels: 2, Size: 3, Classes: 4, NullClass: true, LearnSigma: true}
}

func (z zero) Device() tensor.Device { return z.dev }

// The loss takes any denoiser: for one that predicts no noise, its MSE is
// the mean square of the noise, and the variational bound is finite.
func TestTrainingLossOfAnyDenoiser(t *testing.T) {
	dev := tensor.NewCPU()
	noise := []float32{0.5, -1, 2, 0.25, -0.5, 1.5, 1, -2, 0, 3, -1.5, 0.75, 0.1, 0.2, -0.3, 0.4, 0.6, -0.9}
	x0 := make([]float32, len(noise))
	for i := range x0 {
		x0[i] = float32(i%5)/2 - 1
	}
	n := tensor.FromSlice(dev, noise, 1, 2, 3, 3)
	defer n.Release()
	g := autograd.NewGraph()
	defer g.Release()
	l := diffusion.TrainingLoss(g, zero{dev}, diffusion.LinearSchedule(diffusion.DefaultSteps), x0, n, []int{500}, []int32{1})
	var want float64
	for _, e := range noise {
		want += float64(e) * float64(e) / float64(len(noise))
	}
	mse, _ := l.MSE.Value.Item()
	vb, _ := l.VB.Value.Item()
	if math.Abs(float64(mse)-want) > 1e-6*want {
		t.Errorf("MSE %v, want the noise's mean square %v", mse, want)
	}
	if math.IsNaN(float64(vb)) || math.IsInf(float64(vb), 0) || vb <= 0 {
		t.Errorf("VB %v, want a positive finite number", vb)
	}
}

// DDIM with a denoiser that predicts no noise only rescales: each step
// takes x to √ᾱ_prev·x/√ᾱ, so the sample is x_T/√ᾱ at the first step's
// timestep (900 of 10 DDIM steps out of 1000), worked out here from the
// β schedule directly. Guidance doubles the batch with null labels and
// changes nothing when both halves predict the same.
func TestSampleAnyDenoiser(t *testing.T) {
	dev := tensor.NewCPU()
	abar := 1.0
	for s := 0; s <= 900; s++ {
		abar *= 1 - (1e-4 + (0.02-1e-4)*float64(s)/999)
	}
	xT := make([]float32, 2*2*3*3)
	for i := range xT {
		xT[i] = float32(i)/10 - 1
	}
	for _, cfg := range []float64{1, 4} {
		x := tensor.FromSlice(dev, xT, 2, 2, 3, 3)
		out, err := diffusion.Sample(zero{dev}, diffusion.LinearSchedule(diffusion.DefaultSteps), x, []int32{0, 3}, &tensor.RNG{Seed: 1},
			diffusion.SampleOptions{Sampler: "ddim", Steps: 10, CFGScale: cfg})
		x.Release()
		if err != nil {
			t.Fatal(err)
		}
		got := out.Data()
		out.Release()
		for i, v := range xT {
			want := float64(v) / math.Sqrt(abar)
			if math.Abs(float64(got[i])-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("cfg %v: sample[%d] = %v, want x_T/√ᾱ_900 = %v", cfg, i, got[i], want)
				break
			}
		}
	}
}
