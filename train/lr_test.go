package main

import (
	"math"
	"testing"
)

func TestLearningRate(t *testing.T) {
	c := config{LR: 2e-3, LRSchedule: "cosine", Warmup: 100, Steps: 1100}
	cases := []struct {
		step int
		want float64
	}{
		{0, 2e-5},                    // first warm-up step: LR/100
		{49, 1e-3},                   // half way through the warm-up
		{99, 2e-3},                   // warm-up ends at the full rate
		{100, 2e-3},                  // the cosine starts at the top
		{600, 1e-3},                  // half way down: cos(π/2) = 0
		{350, 1.7071067811865475e-3}, // a quarter: (1+cos(π/4))/2
		{1099, 4.9347981e-9},         // last: LR·(1 − cos(π/1000))/2 ≈ LR·(π/1000)²/4
	}
	for _, tc := range cases {
		if got := learningRate(c, tc.step); math.Abs(got-tc.want) > 1e-7*tc.want {
			t.Errorf("cosine, step %d: lr %g, want %g", tc.step, got, tc.want)
		}
	}
	for _, sched := range []string{"constant", ""} { // "" is an older checkpoint's config
		c.LRSchedule = sched
		for _, step := range []int{100, 600, 1099} {
			if got := learningRate(c, step); got != 2e-3 {
				t.Errorf("%q schedule, step %d: lr %g, want 2e-3", sched, step, got)
			}
		}
	}
	c.Warmup = 0
	if got := learningRate(c, 0); got != 2e-3 {
		t.Errorf("no warm-up: first lr %g, want 2e-3", got)
	}
}
