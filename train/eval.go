package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
	"github.com/ditgo/ditgo/train/score"
)

// evalArgs are the eval subcommand's settings: the checkpoint and the
// training config whose data and sampling settings it evaluates with.
type evalArgs struct {
	ckpt, classifier, device string
	cfg                      config
}

// defaultEvalArgs are the settings that -h prints as the defaults.
func defaultEvalArgs() evalArgs {
	return evalArgs{device: defaultConfig().Device, cfg: defaultConfig()}
}

const evalUsage = `usage: go run ./train eval -ckpt FILE [flags]

samples the checkpoint's EMA model for every class and scores the samples:
the share that a classifier, trained by this engine on the real training
set, reads as their class, and a Fréchet distance on its features.

-data, -image-size, -channels, -objective, -samples, -sampler, -steps,
-cfg, -rf-shift and -seed default to the training config saved in the
checkpoint (the run's -data, -objective and its -eval-samples, -sampler,
-sample-steps, -cfg, -rf-shift and -seed: the end-of-run evaluation
again), or to the training defaults printed below for a checkpoint without
one. A flag that is given wins. The time the sampling took is printed too.

flags:
`

// evalFlags is the eval flag set, bound to a.
func evalFlags(a *evalArgs, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("eval", stderr, evalUsage)
	fs.StringVar(&a.ckpt, "ckpt", a.ckpt, "checkpoint to evaluate")
	addDataFlags(fs, &a.cfg)
	fs.IntVar(&a.cfg.EvalSamples, "samples", a.cfg.EvalSamples, "samples to draw, spread evenly over the classes")
	fs.StringVar(&a.cfg.Sampler, "sampler", a.cfg.Sampler, "ddim or ddpm for a diffusion model, euler or heun for rf (\"\": ddim, or euler for rf)")
	fs.IntVar(&a.cfg.SampleSteps, "steps", a.cfg.SampleSteps, "sampler steps")
	fs.StringVar(&a.cfg.Objective, "objective", a.cfg.Objective, "what the model was trained for: diffusion or rf (default: the checkpoint's)")
	fs.Float64Var(&a.cfg.RFShift, "rf-shift", a.cfg.RFShift, "rf: SD3's time shift S of the sampling grid (1: none)")
	fs.Float64Var(&a.cfg.CFGScale, "cfg", a.cfg.CFGScale, "classifier-free guidance scale (1: none)")
	fs.Uint64Var(&a.cfg.Seed, "seed", a.cfg.Seed, "seed of the sampling noise")
	fs.StringVar(&a.classifier, "classifier", a.classifier, "classifier cache file, written only if it is missing or an older cache (\"\": classifier.safetensors next to the checkpoint)")
	addDeviceFlag(fs, &a.device)
	return fs
}

// parseEvalFlags reads the eval flags: over the run's config when the
// checkpoint has one, and then checks them all, eval's own first.
func parseEvalFlags(args []string, stderr io.Writer) (evalArgs, error) {
	a := defaultEvalArgs()
	given, err := parseOverCheckpoint("eval", args, &a.ckpt, &a.cfg, func() *flag.FlagSet { return evalFlags(&a, stderr) })
	if err != nil {
		return a, err
	}
	if a.classifier == "" {
		a.classifier = filepath.Join(filepath.Dir(a.ckpt), "classifier.safetensors")
	}
	var tooFew error
	if a.cfg.EvalSamples < 2 || a.cfg.EvalSamples > maxEvalSamples {
		tooFew = fmt.Errorf("-samples %d: must be in [2, %d] (a Fréchet distance needs a covariance; the samples are held in memory)", a.cfg.EvalSamples, maxEvalSamples)
	}
	for _, err := range []error{checkSampling("-steps", a.cfg.SampleSteps, a.cfg.CFGScale), tooFew, checkDevice(a.device), checkDataFlags(a.cfg, given), a.cfg.validate()} {
		if err != nil {
			return a, fmt.Errorf("eval: %w", err)
		}
	}
	return a, nil
}

// evalCommand is `go run ./train eval -ckpt FILE`: sample the checkpoint's
// EMA model for every class and score the samples with a classifier
// trained by this engine on the real training set.
func evalCommand(args []string, stdout, stderr io.Writer) error {
	a, err := parseEvalFlags(args, stderr)
	if err != nil {
		return err
	}
	train, err := data.Load(a.cfg.Data, a.cfg.ImageSize, a.cfg.Channels)
	if err != nil {
		return err
	}
	dev, why, closeDev, err := openDevice(a.device)
	if err != nil {
		return err
	}
	defer closeDev()
	fmt.Fprintln(stdout, why)
	m, err := loadNet(dev, a.ckpt, true, 0, 0)
	if err != nil {
		return err
	}
	defer m.Release()
	if err := checkObjectiveFits(a.cfg, m.Spec()); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if c := m.Spec(); c.Channels != train.C || c.Size != train.H || c.Classes != train.Classes {
		return fmt.Errorf("eval: the model makes %d×%d×%d images of %d classes, the data has %d×%d×%d of %d; pass the training -data",
			c.Channels, c.Size, c.Size, c.Classes, train.C, train.H, train.W, train.Classes)
	}
	scores, err := evaluate(dev, m, diffusion.LinearSchedule(diffusion.DefaultSteps), a.cfg, train, a.classifier, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, scores)
	return nil
}

// evaluate draws cfg.EvalSamples guided samples, classes in turn, and
// scores them against the real held-out images (the training images for an
// image folder, which has no test split). The classifier is cached in the
// file cache.
func evaluate(dev tensor.Device, m diffusion.Denoiser, sched *diffusion.Schedule, cfg config, train *data.Dataset, cache string, log io.Writer) (score.Scores, error) {
	test, err := data.LoadHeldOut(cfg.Data, train)
	if err != nil {
		return score.Scores{}, err
	}
	clf, testAcc, err := score.LoadOrTrainClassifier(dev, train, test, cache, log)
	if err != nil {
		return score.Scores{}, fmt.Errorf("evaluation classifier: %w", err)
	}
	defer clf.Release()
	labels := make([]int32, cfg.EvalSamples)
	for i := range labels {
		labels[i] = int32(i % m.Spec().Classes)
	}
	start := time.Now()
	samples, err := sampleBatch(m, sched, labels, cfg, cfg.Seed^0xe7a1)
	if err != nil {
		return score.Scores{}, err
	}
	took := time.Since(start)
	fmt.Fprintf(log, "sampled %d images with %s-%d, guidance %g, in %s (%.1f img/s)\n",
		len(labels), cfg.sampler(), cfg.SampleSteps, cfg.CFGScale, took.Round(time.Millisecond), float64(len(labels))/took.Seconds())
	return score.Score(clf, samples, labels, test, min(test.N, 2000), testAcc)
}
