package diffusion_test

import (
	"math"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/dit/diffusion"
)

func TestLinearSchedule(t *testing.T) {
	s := diffusion.LinearSchedule(1000)
	// β_0 = 1e-4, β_999 = 0.02, and ᾱ_999 = Π(1 − β_t) ≈ 4.0358e-5 (computed
	// independently with Python's math.prod over the same linspace).
	if s.Betas[0] != 1e-4 || math.Abs(s.Betas[999]-0.02) > 1e-15 {
		t.Errorf("betas %v … %v", s.Betas[0], s.Betas[999])
	}
	if got := s.AlphasCumprod[999]; math.Abs(got-4.035829e-05)/4.035829e-05 > 1e-5 {
		t.Errorf("ᾱ_999 = %.7g, want 4.035829e-05", got)
	}
	// The posterior at t = 0 has zero variance; its clipped log uses t = 1's.
	if s.PosteriorVariance[0] != 0 || s.PosteriorLogVarianceC[0] != math.Log(s.PosteriorVariance[1]) {
		t.Errorf("posterior variance at 0: %v, clipped log %v", s.PosteriorVariance[0], s.PosteriorLogVarianceC[0])
	}
}

func TestRespacing(t *testing.T) {
	ddim, err := diffusion.DDIMTimesteps(1000, 10)
	if err != nil || !slices.Equal(ddim, []int{0, 100, 200, 300, 400, 500, 600, 700, 800, 900}) {
		t.Errorf("DDIM 10: %v, %v", ddim, err)
	}
	if d, _ := diffusion.DDIMTimesteps(1000, 3); !slices.Equal(d, []int{0, 334, 668}) {
		t.Errorf("DDIM 3: %v, want stride 334", d)
	}
	if _, err := diffusion.DDIMTimesteps(1000, 999); err == nil {
		t.Error("DDIM 999 has no integer stride and should fail")
	}
	ddpm, err := diffusion.DDPMTimesteps(1000, 250)
	if err != nil || len(ddpm) != 250 || ddpm[0] != 0 || ddpm[249] != 999 {
		t.Fatalf("DDPM 250: %d steps from %d to %d (%v)", len(ddpm), ddpm[0], ddpm[len(ddpm)-1], err)
	}
	// The fractional stride 999/249 ≈ 4.012: positions 0, 4.01, 8.02, …
	if !slices.Equal(ddpm[:5], []int{0, 4, 8, 12, 16}) {
		t.Errorf("DDPM 250 starts %v", ddpm[:5])
	}
	// Respacing keeps ᾱ at the kept steps and shows the model the original t.
	s := diffusion.LinearSchedule(1000)
	r, err := s.Respace(ddim)
	if err != nil {
		t.Fatal(err)
	}
	for i, t0 := range ddim {
		if math.Abs(r.AlphasCumprod[i]-s.AlphasCumprod[t0]) > 1e-12 || r.Timesteps[i] != t0 {
			t.Errorf("step %d: ᾱ %v, want %v; timestep %d, want %d", i, r.AlphasCumprod[i], s.AlphasCumprod[t0], r.Timesteps[i], t0)
		}
	}
}
