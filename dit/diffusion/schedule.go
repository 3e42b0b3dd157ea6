package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Schedule is a discrete diffusion process: the variances β_t of the noise
// added at each step, and everything derived from them, in float64.
//
// Timesteps may be a respaced subset of an original process (for faster
// sampling); Timesteps[i] is then the original timestep that step i stands
// for, which is what the model is shown.
type Schedule struct {
	Betas     []float64
	Timesteps []int // original timestep of each step

	AlphasCumprod     []float64 // ᾱ_t = Π_{s≤t} (1 − β_s)
	AlphasCumprodPrev []float64 // ᾱ_{t−1}, with ᾱ_{−1} = 1
	// Posterior q(x_{t−1} | x_t, x_0) = N(coef1·x_0 + coef2·x_t, var).
	PosteriorVariance     []float64
	PosteriorLogVarianceC []float64 // log of the variance, with step 0's replaced by step 1's (it is 0)
	PosteriorMeanCoef1    []float64
	PosteriorMeanCoef2    []float64
}

// DefaultSteps is T, the number of diffusion steps of DiT.
const DefaultSteps = 1000

// LinearSchedule is DiT's schedule: β rising linearly from 1e-4 to 0.02
// over T steps (Ho et al. 2020), computed in float64.
func LinearSchedule(steps int) *Schedule {
	betas := make([]float64, steps)
	for i := range betas {
		if steps == 1 {
			betas[i] = 1e-4
			continue
		}
		betas[i] = 1e-4 + (0.02-1e-4)*float64(i)/float64(steps-1)
	}
	ts := make([]int, steps)
	for i := range ts {
		ts[i] = i
	}
	return newSchedule(betas, ts)
}

func newSchedule(betas []float64, timesteps []int) *Schedule {
	n := len(betas)
	s := &Schedule{Betas: betas, Timesteps: timesteps}
	prod := 1.0
	for t := range n {
		s.AlphasCumprodPrev = append(s.AlphasCumprodPrev, prod)
		prod *= 1 - betas[t]
		s.AlphasCumprod = append(s.AlphasCumprod, prod)
	}
	for t := range n {
		ac, acPrev := s.AlphasCumprod[t], s.AlphasCumprodPrev[t]
		v := betas[t] * (1 - acPrev) / (1 - ac)
		s.PosteriorVariance = append(s.PosteriorVariance, v)
		s.PosteriorMeanCoef1 = append(s.PosteriorMeanCoef1, betas[t]*math.Sqrt(acPrev)/(1-ac))
		s.PosteriorMeanCoef2 = append(s.PosteriorMeanCoef2, (1-acPrev)*math.Sqrt(1-betas[t])/(1-ac))
	}
	for t := range n {
		v := s.PosteriorVariance[t]
		if t == 0 && n > 1 {
			v = s.PosteriorVariance[1]
		}
		s.PosteriorLogVarianceC = append(s.PosteriorLogVarianceC, math.Log(v))
	}
	return s
}

// Len is the number of steps.
func (s *Schedule) Len() int { return len(s.Betas) }

// Respace keeps only the given original timesteps (ascending) and
// recomputes the betas so that the kept steps have the same ᾱ:
//
//	β'_i = 1 − ᾱ_{t_i} / ᾱ_{t_{i−1}}     (ᾱ before the first kept step is 1)
func (s *Schedule) Respace(keep []int) (*Schedule, error) {
	var betas []float64
	last := 1.0
	for i, t := range keep {
		if t < 0 || t >= s.Len() || (i > 0 && t <= keep[i-1]) {
			return nil, fmt.Errorf("diffusion: respacing needs ascending timesteps in [0, %d), got %v", s.Len(), keep)
		}
		betas = append(betas, 1-s.AlphasCumprod[t]/last)
		last = s.AlphasCumprod[t]
	}
	ts := make([]int, len(keep))
	for i, t := range keep {
		ts[i] = s.Timesteps[t]
	}
	return newSchedule(betas, ts), nil
}

// DDPMTimesteps returns the n original timesteps an ancestral sampler with
// n steps visits, as the public reference chooses them: start at 0 and
// step by the fractional stride (T−1)/(n−1), rounding each position (half
// to even, as Python's round does).
func DDPMTimesteps(total, n int) ([]int, error) {
	if n < 1 || n > total {
		return nil, fmt.Errorf("diffusion: cannot sample with %d steps out of %d", n, total)
	}
	if n == 1 {
		return []int{0}, nil
	}
	stride := float64(total-1) / float64(n-1)
	var out []int
	pos := 0.0
	for range n {
		out = append(out, int(math.RoundToEven(pos)))
		pos += stride // accumulated, as the reference does, not multiplied
	}
	return out, nil
}

// DDIMTimesteps returns t = 0, k, 2k, … for the integer stride k that gives
// exactly n steps (k = T/n when n divides T), as the public reference's
// "ddimN" spacing does.
func DDIMTimesteps(total, n int) ([]int, error) {
	for k := 1; k < total; k++ {
		if (total+k-1)/k == n {
			var out []int
			for t := 0; t < total; t += k {
				out = append(out, t)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("diffusion: no integer stride gives exactly %d DDIM steps out of %d; try a divisor of %d", n, total, total)
}

// UniformTimesteps draws b training timesteps uniformly from [0, steps).
func UniformTimesteps(r *rand.Rand, b, steps int) []int {
	t := make([]int, b)
	for i := range t {
		t[i] = r.IntN(steps)
	}
	return t
}
