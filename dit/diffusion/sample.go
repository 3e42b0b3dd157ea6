package diffusion

import (
	"fmt"
	"math"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// SampleOptions choose how Sample denoises.
type SampleOptions struct {
	// Sampler is, for a diffusion model, "ddpm" (ancestral, Ho et al.
	// 2020) or "ddim" (η = 0, deterministic, Song et al. 2021); for a
	// rectified-flow model, "euler" or "heun" (flowsample.go).
	Sampler string
	// Steps is the number of denoising steps (250 is DiT's default for
	// DDPM); the diffusion's schedule is respaced to them.
	Steps int
	// CFGScale is the classifier-free guidance scale s: the guided noise is
	// ε_uncond + s·(ε_cond − ε_uncond). 1 means no guidance.
	CFGScale float64
	// GuidedChannels limits guidance to the first n noise channels; 0 means
	// all of them. The public reference guides only 3 of its 4 latent
	// channels (a known quirk); 3 reproduces it.
	GuidedChannels int
	// ClipX0 clamps each step's prediction of x0 to [−1, 1]. Off by default,
	// as in the reference for latents; on helps pixel-space models. The
	// diffusion samplers only.
	ClipX0 bool
	// Shift is SD3's time shift S of the rectified-flow samplers' grid:
	// t' = S·t / (1 + (S − 1)·t), which spends more steps at high noise for
	// S > 1. 0 and 1 mean no shift.
	Shift float64
	// Observe, if set, is called after every step with the step number
	// (counting down to 0) and the current x; it must not keep x.
	Observe func(step int, x *tensor.Tensor)
}

// Sample denoises the starting noise xT [B, C, H, W] into samples of the
// denoiser m for labels y (label Spec().Classes is the null class). For the
// diffusion samplers, s is the model's full training schedule (Sample
// respaces it) and rng supplies the fresh noise of each ancestral step; the
// rectified-flow samplers use neither (s may be nil) and start from xT as
// the noise at t = 1. The result belongs to the caller.
func Sample(m Denoiser, s *Schedule, xT *tensor.Tensor, y []int32, rng *tensor.RNG, opt SampleOptions) (*tensor.Tensor, error) {
	if err := checkSampling(m, xT, y, opt); err != nil {
		return nil, err
	}
	var keep []int
	var err error
	switch opt.Sampler {
	case "ddpm":
		keep, err = DDPMTimesteps(s.Len(), opt.Steps)
	case "ddim":
		keep, err = DDIMTimesteps(s.Len(), opt.Steps)
	case "euler", "heun":
		return sampleFlow(m, xT, y, opt)
	default:
		return nil, fmt.Errorf("diffusion: unknown sampler %q; use ddpm or ddim (diffusion), euler or heun (rectified flow)", opt.Sampler)
	}
	if err != nil {
		return nil, err
	}
	rs, err := s.Respace(keep)
	if err != nil {
		return nil, err
	}
	x := xT
	for i := rs.Len() - 1; i >= 0; i-- {
		g := autograd.NewNoGradGraph()
		eps, v := guidedOutput(g, m, g.Const(x), float32(rs.Timesteps[i]), y, opt)
		next := step(g, rs, i, g.Const(x), eps, v, rng, opt)
		if x, err = advance(g, next, x, xT, i, opt); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// checkSampling reports what makes a sampling request impossible, for
// every sampler.
func checkSampling(m Denoiser, xT *tensor.Tensor, y []int32, opt SampleOptions) error {
	c := m.Spec()
	if xT.Dim(0) != len(y) {
		return fmt.Errorf("diffusion: %d starting images for %d labels", xT.Dim(0), len(y))
	}
	if opt.Steps < 1 {
		return fmt.Errorf("diffusion: %d sampling steps; give at least 1", opt.Steps)
	}
	if !(opt.CFGScale >= 1) || math.IsInf(opt.CFGScale, 0) {
		return fmt.Errorf("diffusion: guidance scale %v must be a number of at least 1 (1 means no guidance)", opt.CFGScale)
	}
	if !(opt.Shift >= 0) || math.IsInf(opt.Shift, 0) {
		return fmt.Errorf("diffusion: time shift %v must be a positive number (0 or 1: none)", opt.Shift)
	}
	if opt.CFGScale > 1 && !c.NullClass {
		return fmt.Errorf("diffusion: guidance needs a null class, but this model was built without label dropout (as public checkpoints are); sample without guidance (-cfg 1)")
	}
	for _, l := range y {
		if l < 0 || int(l) > c.Classes || (int(l) == c.Classes && !c.NullClass) {
			return fmt.Errorf("diffusion: label %d outside the model's %d classes", l, c.Classes)
		}
	}
	return nil
}

// advance ends a sampling step: it keeps next, the new x, frees the step's
// graph and the previous x (unless it is the caller's xT), reports the
// step, left (counting down to 0), to opt.Observe, and surfaces a device
// error.
func advance(g *autograd.Graph, next *autograd.Var, x, xT *tensor.Tensor, left int, opt SampleOptions) (*tensor.Tensor, error) {
	out := g.Keep(next)
	g.Release()
	if x != xT {
		x.Release()
	}
	if opt.Observe != nil {
		opt.Observe(left, out)
	}
	if err := out.Device().Sync(); err != nil {
		out.Release()
		return nil, fmt.Errorf("diffusion: sampling step %d: %w", left, err)
	}
	return out, nil
}

// guidedOutput runs the model at timestep t (an original diffusion step, or
// 1000·t for rectified flow) and returns the noise
// prediction ε [B, C, H, W] and, with a learned variance, v [B, C, H, W].
// With guidance the batch is doubled — conditional, then null labels — and
// ε is guided; v comes from the conditional half.
func guidedOutput(g *autograd.Graph, m Denoiser, x *autograd.Var, t float32, y []int32, opt SampleOptions) (eps, v *autograd.Var) {
	c := m.Spec()
	b := len(y)
	ts := make([]float32, b)
	for i := range ts {
		ts[i] = t
	}
	split := func(out *autograd.Var) (*autograd.Var, *autograd.Var) {
		if !c.LearnSigma {
			return out, nil
		}
		p := g.Chunk(out, 2, 1)
		return p[0], p[1]
	}
	if opt.CFGScale == 1 {
		return split(m.Forward(g, x, ts, y))
	}
	labels := append(append([]int32{}, y...), make([]int32, b)...)
	for i := b; i < 2*b; i++ {
		labels[i] = int32(c.Classes)
	}
	out := m.Forward(g, g.Concat(0, x, x), append(ts, ts...), labels)
	halves := g.Chunk(out, 2, 0)
	condEps, condV := split(halves[0])
	uncondEps, _ := split(halves[1])
	guided := g.Add(uncondEps, g.Scale(g.Sub(condEps, uncondEps), float32(opt.CFGScale)))
	if n := opt.GuidedChannels; n > 0 && n < c.Channels {
		// Guide only the first n channels; the others keep the conditional ε.
		gp := g.Chunk(guided, c.Channels, 1)
		cp := g.Chunk(condEps, c.Channels, 1)
		guided = g.Concat(1, append(gp[:n:n], cp[n:]...)...)
	}
	return guided, condV
}

// step computes x at step i−1 from x at step i of the respaced schedule rs.
func step(g *autograd.Graph, rs *Schedule, i int, x, eps, v *autograd.Var, rng *tensor.RNG, opt SampleOptions) *autograd.Var {
	ac := rs.AlphasCumprod[i]
	scale := func(a *autograd.Var, k float64) *autograd.Var { return g.Scale(a, float32(k)) }
	// x0 predicted from ε: (x_t − √(1−ᾱ)·ε)/√ᾱ, written as the reference does.
	predX0 := g.Sub(scale(x, math.Sqrt(1/ac)), scale(eps, math.Sqrt(1/ac-1)))
	if opt.ClipX0 {
		one := g.Const(g.Own(tensor.Full(x.Value.Device(), 1)))
		minusOne := g.Const(g.Own(tensor.Full(x.Value.Device(), -1)))
		predX0 = g.Min(g.Max(predX0, minusOne), one)
	}
	if opt.Sampler == "ddim" {
		// η = 0: x_{t−1} = √ᾱ_{t−1}·x0 + √(1−ᾱ_{t−1})·ε, with ε recomputed
		// from the (possibly clipped) x0.
		e := scale(g.Sub(scale(x, math.Sqrt(1/ac)), predX0), 1/math.Sqrt(1/ac-1))
		acPrev := rs.AlphasCumprodPrev[i]
		return g.Add(scale(predX0, math.Sqrt(acPrev)), scale(e, math.Sqrt(1-acPrev)))
	}
	// Ancestral: the posterior mean plus noise of the model's variance.
	mean := g.Add(scale(predX0, rs.PosteriorMeanCoef1[i]), scale(x, rs.PosteriorMeanCoef2[i]))
	if i == 0 {
		return mean
	}
	var std *autograd.Var
	if v != nil { // learned range: log σ² = frac·log β + (1−frac)·log σ²_posterior
		lo, hi := rs.PosteriorLogVarianceC[i], math.Log(rs.Betas[i])
		frac := g.Scale(g.Add(v, g.Const(g.Own(tensor.Full(x.Value.Device(), 1)))), 0.5)
		logVar := g.Add(scale(frac, hi-lo), g.Const(g.Own(tensor.Full(x.Value.Device(), float32(lo)))))
		std = g.Exp(g.Scale(logVar, 0.5))
	} else { // fixed "large" variance: β_t (the posterior's at step 0)
		variance := rs.Betas[i]
		std = g.Const(g.Own(tensor.Full(x.Value.Device(), float32(math.Sqrt(variance)))))
	}
	z := g.Const(g.Own(rng.Normal(x.Value.Device(), x.Value.Shape()...)))
	return g.Add(mean, g.Mul(z, std))
}
