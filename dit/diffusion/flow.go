package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Rectified flow (Liu et al. 2023; Esser et al. 2024, the objective of SD3
// and Flux) is a second way to train the same denoisers. It replaces the
// 1000-step Markov chain with a straight line between data and noise:
//
//	x_t = (1 − t)·x0 + t·ε,   t ∈ [0, 1]: t = 0 is data, t = 1 pure noise,
//
// and the model learns the line's velocity v = dx_t/dt = ε − x0 by MSE.
// Sampling integrates dx/dt = v from t = 1 down to t = 0 (flowsample.go).
// The model sees the timestep 1000·t, a float, through the same sinusoidal
// embedder as the diffusion's integer steps, and predicts no variance: its
// output has C channels.

// FlowTimestepScale is what t ∈ [0, 1] is multiplied by before the model's
// timestep embedder sees it, so that both objectives use the embedder over
// the same range.
const FlowTimestepScale = 1000

// FlowTimesteps draws b noise levels from the logit-normal distribution:
// t = sigmoid(n), n ~ N(mean, std²). SD3's choice, mean 0 and std 1, puts
// most training at mid noise, where the velocity is hardest to predict; t
// never reaches exactly 0 or 1.
func FlowTimesteps(r *rand.Rand, b int, mean, std float64) []float32 {
	t := make([]float32, b)
	for i := range t {
		n := mean + std*r.NormFloat64()
		t[i] = float32(1 / (1 + math.Exp(-n)))
	}
	return t
}

// FlowLoss noises x0 to x_t = (1 − t)·x0 + t·noise and returns the mean
// square error of the model's velocity against v = noise − x0, over every
// element. x0 is the batch on the host, [B, C, H, W] in [−1, 1]; noise is
// N(0, I) of the same shape on the model's device; t are the noise levels
// in [0, 1] and y the labels (already dropped for classifier-free
// guidance). The model must not learn a variance (Spec().LearnSigma).
// Loss.VB is nil.
func FlowLoss(g *autograd.Graph, m Denoiser, x0 []float32, noise *tensor.Tensor, t []float32, y []int32) Loss {
	c, dev := m.Spec(), m.Device()
	b := len(t)
	shape := []int{b, c.Channels, c.Size, c.Size}
	if len(x0) != b*c.Channels*c.Size*c.Size || !equalInts(noise.Shape(), shape) || len(y) != b {
		panic(fmt.Sprintf("diffusion.FlowLoss: x0 of %d values, noise %v, %d noise levels, %d labels for batch shape %v", len(x0), noise.Shape(), b, len(y), shape))
	}
	if c.LearnSigma {
		panic("diffusion.FlowLoss: a rectified-flow model predicts the velocity only; build it without a learned variance")
	}
	dataW, noiseW := make([]float32, b), make([]float32, b) // 1 − t and t, per sample
	for i, ti := range t {
		if !(ti >= 0 && ti <= 1) {
			panic(fmt.Sprintf("diffusion.FlowLoss: noise level %v outside [0, 1]", ti))
		}
		dataW[i], noiseW[i] = 1-ti, ti
	}
	perSample := func(v []float32) *autograd.Var {
		return g.Const(g.Own(tensor.FromSlice(dev, v, b, 1, 1, 1)))
	}
	x := g.Const(g.Own(tensor.FromSlice(dev, x0, shape...)))
	eps := g.Const(noise)
	xt := g.Add(g.Mul(x, perSample(dataW)), g.Mul(eps, perSample(noiseW))) // [B, C, H, W]

	pred := m.Forward(g, xt, flowModelTimesteps(t), y) // v̂ [B, C, H, W]
	d := g.Sub(pred, g.Sub(eps, x))
	mse := g.Mean(g.Mul(d, d))
	return Loss{Total: mse, MSE: mse}
}

// flowModelTimesteps are the timesteps the model is shown for noise levels
// t: 1000·t, in float32 arithmetic.
func flowModelTimesteps(t []float32) []float32 {
	out := make([]float32, len(t))
	for i, ti := range t {
		out[i] = FlowTimestepScale * ti
	}
	return out
}
