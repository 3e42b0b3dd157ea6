package diffusion

import (
	"fmt"
	"math"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Loss is the training objective of a denoiser for one batch, with its two
// terms for logging.
type Loss struct {
	Total *autograd.Var // scalar: MSE + VB
	MSE   *autograd.Var // scalar: mean of (ε̂ − ε)²
	VB    *autograd.Var // scalar: the variational bound term in bits, or nil without a learned variance
}

// TrainingLoss noises x0 to x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·noise and returns the
// loss of the model's prediction (Ho et al. 2020; Nichol & Dhariwal 2021):
//
//   - MSE between the predicted and the true noise, which trains the mean;
//   - with a learned variance, the variational bound: KL(q(x_{t−1}|x_t,x0) ‖
//     p(x_{t−1}|x_t)) in bits, and at t = 0 the negative log-likelihood of
//     x0 under a Gaussian discretised to 256 levels. The predicted noise is
//     detached in this term, so it trains only the variance.
//
// x0 is the batch on the host, [B, C, H, W] in [−1, 1]; noise is N(0, I) of
// the same shape on the model's device; t are timesteps of s and y the
// labels (already dropped for classifier-free guidance).
func TrainingLoss(g *autograd.Graph, m Denoiser, s *Schedule, x0 []float32, noise *tensor.Tensor, t []int, y []int32) Loss {
	c, dev := m.Spec(), m.Device()
	b := len(t)
	shape := []int{b, c.Channels, c.Size, c.Size}
	if len(x0) != b*c.Channels*c.Size*c.Size || !equalInts(noise.Shape(), shape) || len(y) != b {
		panic(fmt.Sprintf("diffusion.TrainingLoss: x0 of %d values, noise %v, %d timesteps, %d labels for batch shape %v", len(x0), noise.Shape(), b, len(y), shape))
	}
	k := newCoefs(g, dev, s, t)
	x := g.Const(g.Own(tensor.FromSlice(dev, x0, shape...)))
	eps := g.Const(noise)
	xt := g.Add(g.Mul(x, k.of(sqrtOf(s.AlphasCumprod))), g.Mul(eps, k.of(sqrtOneMinus(s.AlphasCumprod))))

	out := m.Forward(g, xt, k.modelTimesteps(), y) // [B, C_out, H, W]
	var predEps, v *autograd.Var
	if c.LearnSigma {
		parts := g.Chunk(out, 2, 1)
		predEps, v = parts[0], parts[1]
	} else {
		predEps = out
	}
	d := g.Sub(predEps, eps)
	l := Loss{MSE: g.Mean(g.Mul(d, d))}
	l.Total = l.MSE
	if c.LearnSigma {
		l.VB = vbTerm(g, k, x, x0, xt, g.Detach(predEps), v)
		l.Total = g.Add(l.MSE, l.VB)
	}
	return l
}

// vbTerm is the variational-bound term, averaged over every element, in
// bits. v in [−1, 1] (not enforced) interpolates the model's log variance
// between the posterior's (v = −1) and β_t (v = 1).
func vbTerm(g *autograd.Graph, k *coefs, x *autograd.Var, x0 []float32, xt, eps, v *autograd.Var) *autograd.Var {
	s := k.s
	minLog := k.of(s.PosteriorLogVarianceC)
	maxLog := k.of(logOf(s.Betas))
	frac := g.Scale(g.Add(v, k.scalar(1)), 0.5)
	logVar := g.Add(g.Mul(frac, g.Sub(maxLog, minLog)), minLog) // [B, C, H, W]

	// The model's mean, from the detached noise prediction: constants here.
	predX0 := g.Sub(g.Mul(xt, k.of(sqrtRecip(s.AlphasCumprod))), g.Mul(eps, k.of(sqrtRecipMinusOne(s.AlphasCumprod))))
	modelMean := g.Add(g.Mul(predX0, k.of(s.PosteriorMeanCoef1)), g.Mul(xt, k.of(s.PosteriorMeanCoef2)))

	var kl, nll *autograd.Var
	if k.anyPositive() {
		// KL of two Gaussians, per element:
		// ½·(−1 + L₂ − L₁ + e^{L₁−L₂} + (μ₁−μ₂)²·e^{−L₂}), μ₁, L₁ the posterior's.
		trueMean := g.Add(g.Mul(x, k.of(s.PosteriorMeanCoef1)), g.Mul(xt, k.of(s.PosteriorMeanCoef2)))
		diff := g.Sub(trueMean, modelMean)
		gap := g.Sub(logVar, k.of(s.PosteriorLogVarianceC)) // L₂ − L₁
		sum := g.Add(g.Add(gap, g.Exp(g.Scale(gap, -1))), g.Mul(g.Mul(diff, diff), g.Exp(g.Scale(logVar, -1))))
		kl = g.Scale(g.Add(sum, k.scalar(-1)), 0.5/math.Ln2)
	}
	if k.anyZero() {
		nll = g.Scale(discretizedGaussianLogLikelihood(g, k, x, x0, modelMean, g.Scale(logVar, 0.5)), -1/math.Ln2)
	}
	switch {
	case nll == nil:
		return g.Mean(kl)
	case kl == nil:
		return g.Mean(nll)
	}
	atZero := k.of(k.indicator(func(t int) bool { return t == 0 }))
	elsewhere := k.of(k.indicator(func(t int) bool { return t != 0 }))
	return g.Mean(g.Add(g.Mul(nll, atZero), g.Mul(kl, elsewhere)))
}

// discretizedGaussianLogLikelihood is log P(x0) under N(mean, e^{2·logScale})
// integrated over the bin of width 2/255 around x0 — with the outermost
// bins reaching to ±∞ — for data scaled from 8 bits to [−1, 1]. The normal
// CDF uses the tanh approximation, and logs are clamped at 1e-12, as in the
// public reference.
func discretizedGaussianLogLikelihood(g *autograd.Graph, k *coefs, x *autograd.Var, x0 []float32, mean, logScale *autograd.Var) *autograd.Var {
	centered := g.Sub(x, mean)
	invStd := g.Exp(g.Scale(logScale, -1))
	cdf := func(z *autograd.Var) *autograd.Var { // ½·(1 + tanh(√(2/π)·(z + 0.044715·z³)))
		cube := g.Mul(g.Mul(z, z), z)
		inner := g.Scale(g.Add(z, g.Scale(cube, 0.044715)), float32(math.Sqrt(2/math.Pi)))
		return g.Scale(g.Add(g.Tanh(inner), k.scalar(1)), 0.5)
	}
	cdfPlus := cdf(g.Mul(invStd, g.Add(centered, k.scalar(1.0/255))))
	cdfMin := cdf(g.Mul(invStd, g.Add(centered, k.scalar(-1.0/255))))
	logOf := func(p *autograd.Var) *autograd.Var { return g.Log(g.Max(p, k.scalar(1e-12))) }
	logCdfPlus := logOf(cdfPlus)                                        // the bin reaching to −∞
	logOneMinusCdfMin := logOf(g.Add(g.Scale(cdfMin, -1), k.scalar(1))) // the bin reaching to +∞
	logDelta := logOf(g.Sub(cdfPlus, cdfMin))
	// Which formula applies depends only on the data: masks made on the host.
	lo, hi, mid := make([]float32, len(x0)), make([]float32, len(x0)), make([]float32, len(x0))
	for i, v := range x0 {
		switch {
		case v < -0.999:
			lo[i] = 1
		case v > 0.999:
			hi[i] = 1
		default:
			mid[i] = 1
		}
	}
	mask := func(m []float32) *autograd.Var {
		return g.Const(g.Own(tensor.FromSlice(k.dev, m, x.Value.Shape()...)))
	}
	return g.Add(g.Add(g.Mul(logCdfPlus, mask(lo)), g.Mul(logOneMinusCdfMin, mask(hi))), g.Mul(logDelta, mask(mid)))
}

// coefs turns per-timestep schedule values into per-sample constants of
// shape [B, 1, 1, 1], which broadcast over an image batch.
type coefs struct {
	g   *autograd.Graph
	dev tensor.Device
	s   *Schedule
	t   []int
}

func newCoefs(g *autograd.Graph, dev tensor.Device, s *Schedule, t []int) *coefs {
	for _, ti := range t {
		if ti < 0 || ti >= s.Len() {
			panic(fmt.Sprintf("diffusion: timestep %d outside the schedule's %d steps", ti, s.Len()))
		}
	}
	return &coefs{g: g, dev: dev, s: s, t: t}
}

// of picks values[t_b] for every sample b.
func (k *coefs) of(values []float64) *autograd.Var {
	v := make([]float32, len(k.t))
	for b, t := range k.t {
		v[b] = float32(values[t])
	}
	return k.g.Const(k.g.Own(tensor.FromSlice(k.dev, v, len(k.t), 1, 1, 1)))
}

// scalar is a constant that broadcasts over anything.
func (k *coefs) scalar(x float32) *autograd.Var {
	return k.g.Const(k.g.Own(tensor.FromSlice(k.dev, []float32{x})))
}

// indicator is 1 for timesteps where f holds, else 0, as schedule values.
func (k *coefs) indicator(f func(int) bool) []float64 {
	out := make([]float64, k.s.Len())
	for t := range out {
		if f(t) {
			out[t] = 1
		}
	}
	return out
}

func (k *coefs) anyZero() bool {
	for _, t := range k.t {
		if t == 0 {
			return true
		}
	}
	return false
}

func (k *coefs) anyPositive() bool {
	for _, t := range k.t {
		if t != 0 {
			return true
		}
	}
	return false
}

// modelTimesteps are the original timesteps the model is shown.
func (k *coefs) modelTimesteps() []float32 {
	out := make([]float32, len(k.t))
	for b, t := range k.t {
		out[b] = float32(k.s.Timesteps[t])
	}
	return out
}

func mapF(xs []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func sqrtOf(xs []float64) []float64 { return mapF(xs, math.Sqrt) }
func logOf(xs []float64) []float64  { return mapF(xs, math.Log) }
func sqrtOneMinus(xs []float64) []float64 {
	return mapF(xs, func(a float64) float64 { return math.Sqrt(1 - a) })
}
func sqrtRecip(xs []float64) []float64 {
	return mapF(xs, func(a float64) float64 { return math.Sqrt(1 / a) })
}
func sqrtRecipMinusOne(xs []float64) []float64 {
	return mapF(xs, func(a float64) float64 { return math.Sqrt(1/a - 1) })
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
