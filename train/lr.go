package main

import "math"

// learningRate is the AdamW step size for a step (0-based) of the run: a
// linear warm-up from LR/Warmup to LR over the first Warmup steps, then,
// with the cosine schedule, a half cosine from LR down towards 0 (reached
// one step past the last). A short run gains from both: the warm-up lets a large rate start
// safely, and the decay settles the weights that are sampled at the end.
// The "constant" schedule (and the empty one of older checkpoints) keeps
// LR after the warm-up.
func learningRate(c config, step int) float64 {
	if step < c.Warmup {
		return c.LR * float64(step+1) / float64(c.Warmup)
	}
	if c.LRSchedule != "cosine" || c.Steps <= c.Warmup {
		return c.LR
	}
	progress := float64(step-c.Warmup) / float64(c.Steps-c.Warmup)
	return c.LR * 0.5 * (1 + math.Cos(math.Pi*progress))
}
