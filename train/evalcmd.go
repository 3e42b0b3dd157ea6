package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
	"github.com/ditgo/ditgo/train/score"
)

// evalCommand is `go run ./train eval -ckpt FILE`: sample the checkpoint's
// EMA model for every class and score the samples with a classifier
// trained by this engine on the real training set.
func evalCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ckpt := fs.String("ckpt", "", "checkpoint to evaluate")
	dataDir := fs.String("data", "", "the data the model was trained on (default: MNIST from the GoMNIST module)")
	samples := fs.Int("samples", DefaultConfig().EvalSamples, "samples to draw, spread evenly over the classes")
	steps := fs.Int("steps", 50, "DDIM steps")
	cfgScale := fs.Float64("cfg", 2, "classifier-free guidance scale")
	seed := fs.Uint64("seed", 1, "seed of the sampling noise")
	cache := fs.String("classifier", "", "classifier cache file (default: classifier.safetensors next to the checkpoint)")
	device := fs.String("device", "auto", "auto, cpu or vulkan")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" {
		return errors.New("eval: -ckpt FILE is required (see -h)")
	}
	if *cache == "" {
		*cache = filepath.Join(filepath.Dir(*ckpt), "classifier.safetensors")
	}
	cfg := DefaultConfig()
	cfg.Data, cfg.SampleSteps, cfg.CFGScale, cfg.EvalSamples, cfg.Seed = *dataDir, *steps, *cfgScale, *samples, *seed
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	train, err := data.Load(cfg.Data, cfg.ImageSize, cfg.Channels)
	if err != nil {
		return err
	}
	dev, why, closeDev, err := openDevice(*device)
	if err != nil {
		return err
	}
	defer closeDev()
	fmt.Fprintln(stdout, why)
	m, err := dit.Load(dev, *ckpt, true, 0)
	if err != nil {
		return err
	}
	defer m.Release()
	if m.Config.Channels != train.C || m.Config.InputSize != train.H || m.Config.Classes != train.Classes {
		return fmt.Errorf("eval: the model makes %d×%d×%d images of %d classes, the data has %d×%d×%d of %d; pass the training -data",
			m.Config.Channels, m.Config.InputSize, m.Config.InputSize, m.Config.Classes, train.C, train.H, train.W, train.Classes)
	}
	scores, err := evaluate(dev, m, dit.LinearSchedule(dit.DefaultSteps), cfg, train, *cache, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, scores)
	return nil
}

// evaluateDuringTraining scores the EMA model, caching the classifier in
// the run's folder.
func evaluateDuringTraining(dev tensor.Device, m *dit.Model, sched *dit.Schedule, cfg Config, train *data.Dataset, log io.Writer) (score.Scores, error) {
	return evaluate(dev, m, sched, cfg, train, filepath.Join(cfg.Out, "classifier.safetensors"), log)
}

// evaluate draws cfg.EvalSamples guided samples, classes in turn, and
// scores them against the real test images (the training images for an
// image folder, which has no test split).
func evaluate(dev tensor.Device, m *dit.Model, sched *dit.Schedule, cfg Config, train *data.Dataset, cache string, log io.Writer) (score.Scores, error) {
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
		labels[i] = int32(i % m.Config.Classes)
	}
	samples, err := sampleBatch(m, sched, labels, cfg, cfg.Seed^0xe7a1)
	if err != nil {
		return score.Scores{}, err
	}
	return score.Score(clf, samples, labels, test, min(test.N, 2000), testAcc)
}
