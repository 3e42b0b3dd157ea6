package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/tensor"
)

// A model is trained for one of two objectives (-objective), and sampled
// with that objective's samplers:
//
//	diffusion  ε of the 1000-step chain (and, with a learned variance, the
//	           hybrid loss); samplers ddim and ddpm
//	rf         rectified flow: the velocity ε − x0 of the straight line
//	           x_t = (1 − t)·x0 + t·ε; samplers euler and heun
//
// objective is what the trainer, bench and the checkpoint probe need of it:
// how to draw a batch's noise levels and what the loss is.

// objectiveSamplers are the samplers of each objective; the first is the
// deterministic one that grids and evaluations use by default.
var objectiveSamplers = map[string][]string{
	"diffusion": {"ddim", "ddpm"},
	"rf":        {"euler", "heun"},
}

// keyObjective is the checkpoint metadata that names the objective, for
// tools that do not read the training config.
const keyObjective = "objective"

// objective is a run's training objective.
type objective struct {
	rf        bool
	mean, std float64             // rf: the logit-normal law of t
	sched     *diffusion.Schedule // diffusion: the chain
}

// objective is the run's.
func (c config) objective() objective {
	return objective{rf: c.Objective == "rf", mean: c.RFMean, std: c.RFStd, sched: diffusion.LinearSchedule(diffusion.DefaultSteps)}
}

// learnSigma says whether the model predicts its variance too: only a
// diffusion model can.
func (c config) learnSigma() bool { return c.LearnSigma && c.Objective != "rf" }

// sampler is the sampler of the run's grids and evaluations.
func (c config) sampler() string {
	if c.Sampler != "" {
		return c.Sampler
	}
	return objectiveSamplers[c.objectiveName()][0]
}

// objectiveName is the objective, with a config from before -objective
// read as diffusion.
func (c config) objectiveName() string {
	if c.Objective == "" {
		return "diffusion"
	}
	return c.Objective
}

// checkObjective reports an -objective, its settings or a -sampler that
// cannot work.
func checkObjective(c config) error {
	samplers, ok := objectiveSamplers[c.Objective]
	switch {
	case !ok:
		return fmt.Errorf("-objective %q: must be diffusion or rf", c.Objective)
	case !finite(c.RFMean):
		return fmt.Errorf("-rf-mean %v: must be a number", c.RFMean)
	case !finite(c.RFStd) || c.RFStd <= 0:
		return fmt.Errorf("-rf-std %v: must be a positive number", c.RFStd)
	case !finite(c.RFShift) || c.RFShift <= 0:
		return fmt.Errorf("-rf-shift %v: must be a positive number (1: no shift)", c.RFShift)
	}
	return checkSampler(c.Sampler, c.Objective, samplers)
}

// checkSampler reports a sampler that is not one of the objective's.
func checkSampler(sampler, objective string, samplers []string) error {
	if sampler == "" {
		return nil
	}
	for _, s := range samplers {
		if s == sampler {
			return nil
		}
	}
	for other, ss := range objectiveSamplers {
		for _, s := range ss {
			if s == sampler {
				return fmt.Errorf("-sampler %s samples a %s model, but this one is trained for %s; use %s or %s", sampler, objectiveTitle(other), objectiveTitle(objective), samplers[0], samplers[1])
			}
		}
	}
	return fmt.Errorf("-sampler %q: use %s or %s (for %s)", sampler, samplers[0], samplers[1], objectiveTitle(objective))
}

// objectiveTitle names an objective in a sentence.
func objectiveTitle(o string) string {
	if o == "rf" {
		return "rectified flow (rf)"
	}
	return o
}

// noiseLevels are a batch's noise levels: diffusion timesteps or rf's t.
type noiseLevels struct {
	steps []int
	t     []float32
}

// draw draws b noise levels for training: uniform timesteps, or
// logit-normal t.
func (o objective) draw(r *rand.Rand, b int) noiseLevels {
	if o.rf {
		return noiseLevels{t: diffusion.FlowTimesteps(r, b, o.mean, o.std)}
	}
	return noiseLevels{steps: diffusion.UniformTimesteps(r, b, o.sched.Len())}
}

// spread is b noise levels spread evenly over the whole range, for the
// checkpoint probe: the midpoints of b equal parts.
func (o objective) spread(b int) noiseLevels {
	var l noiseLevels
	for i := range b {
		if o.rf {
			l.t = append(l.t, float32(2*i+1)/float32(2*b))
		} else {
			l.steps = append(l.steps, (2*i+1)*o.sched.Len()/(2*b))
		}
	}
	return l
}

// loss is the objective's training loss of m on a batch: clean images x0
// on the host, noise on the device, noise levels l and labels y.
func (o objective) loss(g *autograd.Graph, m diffusion.Denoiser, x0 []float32, noise *tensor.Tensor, l noiseLevels, y []int32) diffusion.Loss {
	if o.rf {
		return diffusion.FlowLoss(g, m, x0, noise, l.t, y)
	}
	return diffusion.TrainingLoss(g, m, o.sched, x0, noise, l.steps, y)
}

// checkObjectiveFits reports a model that cannot have been trained for the
// config's objective: a rectified-flow model predicts its velocity alone,
// C channels, never a variance too.
func checkObjectiveFits(c config, s diffusion.Spec) error {
	if c.Objective == "rf" && s.LearnSigma {
		return fmt.Errorf("-objective rf: the checkpoint's model outputs 2×%d channels (noise and a learned variance), so it was trained for diffusion; a rectified-flow model outputs its velocity alone, C = %d channels (give -objective diffusion)", s.Channels, s.Channels)
	}
	return nil
}
