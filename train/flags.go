package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/train/data"
)

// Every subcommand reads its flags the same way. Each flag is bound to a
// field of the settings the subcommand starts from, with that field's value
// as its default; a flag that is given always wins. Where the starting
// settings are not the defaults — a run to resume, a checkpoint to sample —
// the same arguments are parsed again over them, so that exactly the flags
// given replace what was saved (flag.Visit says which were given).

// newFlagSet makes a subcommand's flag set: -h prints usage and then every
// flag with its default, to stderr.
func newFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and returns the names of the flags given, sorted. A
// stray argument is an error: every setting is a -name value pair. A bad
// value is one line that names the flag (not the flag package's usage
// dump, which buries it); -h prints the usage.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return nil, err
	}
	if err != nil {
		help := "-h"
		if fs.Name() != "train" {
			help = fs.Name() + " -h"
		}
		return nil, fmt.Errorf("%w (see %s)", err, help)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected argument %q (flags come as -name value; see -h)", fs.Name(), fs.Arg(0))
	}
	var given []string
	fs.Visit(func(f *flag.Flag) { given = append(given, f.Name) })
	return given, nil
}

// parseOverCheckpoint parses the flags of a subcommand that reads a
// checkpoint (sample, eval): flags makes its flag set, bound to settings
// that include the training config *cfg and the checkpoint path *ckpt. If
// the checkpoint holds a training config, the arguments are parsed again
// over it, so that the flags not given take the run's values. It returns
// the names of the flags given.
func parseOverCheckpoint(cmd string, args []string, ckpt *string, cfg *config, flags func() *flag.FlagSet) ([]string, error) {
	given, err := parse(flags(), args)
	if err != nil {
		return nil, err
	}
	if *ckpt == "" {
		return nil, fmt.Errorf("%s: -ckpt FILE is required (see -h)", cmd)
	}
	saved, ok, err := readTrainConfig(*ckpt)
	if err != nil {
		return nil, fmt.Errorf("%s: -ckpt: %w", cmd, err)
	}
	if ok {
		*cfg = saved
		_, err = parse(flags(), args)
	}
	return given, err
}

// addDataFlags registers the flags that say which images a model is
// trained on, the same in train and eval.
func addDataFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Data, "data", c.Data, "training data: a folder in the MNIST IDX layout, or one sub-folder of PNG/JPEG images per class (\"\": MNIST from the GoMNIST module)")
	fs.IntVar(&c.ImageSize, "image-size", c.ImageSize, "image side in pixels, for image folders")
	fs.IntVar(&c.Channels, "channels", c.Channels, "1 (gray) or 3 (RGB), for image folders")
}

// checkDataFlags refuses -image-size and -channels for MNIST's IDX files,
// whose image shape is in the files: given there, they would be ignored.
func checkDataFlags(c config, given []string) error {
	if c.Data != "" && !data.IsMNISTDir(c.Data) {
		return nil
	}
	for _, name := range []string{"image-size", "channels"} {
		if slices.Contains(given, name) {
			return fmt.Errorf("-%s: applies to image folders only; MNIST's IDX files give the image shape themselves", name)
		}
	}
	return nil
}

// addObjectiveFlags registers -objective and the rectified flow's
// settings, the same in train, bench and scaling.
func addObjectiveFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Objective, "objective", c.Objective, "training objective: diffusion (predict the noise ε of the 1000-step chain; the hybrid loss) or rf (rectified flow: predict the velocity ε − x0 of x_t = (1−t)·x0 + t·ε; no learned variance)")
	fs.Float64Var(&c.RFMean, "rf-mean", c.RFMean, "rf: mean m of the logit-normal noise levels t = sigmoid(n), n ~ N(m, s²)")
	fs.Float64Var(&c.RFStd, "rf-std", c.RFStd, "rf: standard deviation s of the logit-normal noise levels")
	fs.Float64Var(&c.RFShift, "rf-shift", c.RFShift, "rf: SD3's time shift S of the sampling grid, t' = S·t/(1+(S−1)·t) (1: none)")
}

// addDeviceFlag registers -device, the same in every subcommand.
func addDeviceFlag(fs *flag.FlagSet, device *string) {
	fs.StringVar(device, "device", *device, "auto, cpu or vulkan (auto: a Vulkan GPU if there is one, else the CPU)")
}

// resumable are the flags that may be given with -resume: how far the run
// goes, where it computes, and how often it logs, samples, checkpoints and
// evaluates. They replace the saved values. Everything else is the run's
// own and comes from its checkpoint.
var resumable = []string{"steps", "device", "log-every", "sample-every", "ckpt-every", "eval-every"}

var trainUsage = `usage: go run ./train [flags]                train a DiT (defaults: MNIST, ` + defaultConfig().Model + `)
       go run ./train -resume DIR [-steps N]  continue the run in DIR
       go run ./train sample -ckpt FILE       draw samples (go run ./train sample -h)
       go run ./train eval -ckpt FILE         score a checkpoint (go run ./train eval -h)
       go run ./train bench                   time the training step (go run ./train bench -h)
       go run ./train scaling                 the scaling study: DiT and U-Net ladders (go run ./train scaling -h)

A flag that is given always wins over its default. -model names a config;
each of -depth, -hidden, -heads and -patch that is given (not 0) replaces
that size of it, and the model is then reported as custom (as in bench).

-resume DIR continues the run in DIR exactly, with the config saved in its
checkpoint. These flags may be given with it and replace the saved values;
any other is an error:
    -` + strings.Join(resumable, ", -") + `
-steps is the run's new end and must be above the step it reached (a
longer run also stretches the cosine schedule). Without -steps, a run that
was stopped is finished: its remaining steps, then its final sample grid
and evaluation if they are missing.

A run folder belongs to one run. A new run refuses an -out that holds an
earlier one: continue it with -resume, give a new -out, or pass -overwrite
to move it aside. A live run locks its folder (run.lock, with its PID and
host); the lock of a run that was killed is taken over.

training flags:
`

// gradCheckpointUsage describes -grad-checkpoint, the same in train and
// bench.
const gradCheckpointUsage = "gradient checkpointing: keep only each block's input in the forward pass and recompute the block in the backward pass; less memory for about a third more compute, the same gradients bit for bit"

// precisionUsage describes -precision, the same in train, bench and sample.
const precisionUsage = "precision of the matrix products: fp32, or bf16 or fp16 for mixed precision as PyTorch's autocast (every Linear layer, the patch embedding and attention multiply bfloat16 or float16 operands and sum in float32; weights, optimizer state, layer norms and the residual stream stay float32; fp16 trains with dynamic loss scaling)"

// checkPrecision reports a -precision that is not fp32, bf16 or fp16.
func checkPrecision(s string) error {
	if _, err := autograd.ParsePrecision(s); err != nil {
		return fmt.Errorf("-precision %q: must be fp32, bf16 or fp16", s)
	}
	return nil
}

// precisionOf is the checked -precision as the model takes it; an empty
// one, a config's zero value, is fp32.
func precisionOf(s string) autograd.Precision {
	if s == "" {
		return autograd.FP32
	}
	p, err := autograd.ParsePrecision(s)
	if err != nil {
		panic(fmt.Sprintf("precision %q was not checked: %v", s, err))
	}
	return p
}

// trainFlags is the training flag set, bound to c.
func trainFlags(c *config, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("train", stderr, trainUsage)
	addDataFlags(fs, c)
	fs.BoolVar(&c.Flip, "flip", c.Flip, "random horizontal flips")
	fs.StringVar(&c.VAE, "vae", c.VAE, "train on the latents of this Stable Diffusion VAE (diffusers' diffusion_pytorch_model.safetensors): the data is encoded once into a cache next to the run folder, the grids are decoded; needs -eval-every -1")
	addModelFlags(fs, &c.modelSpec)
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps")
	fs.IntVar(&c.Batch, "batch", c.Batch, "images per step")
	addObjectiveFlags(fs, c)
	fs.BoolVar(&c.GradCheckpoint, "grad-checkpoint", c.GradCheckpoint, gradCheckpointUsage)
	fs.StringVar(&c.Precision, "precision", c.Precision, precisionUsage)
	fs.Float64Var(&c.LR, "lr", c.LR, "AdamW learning rate")
	fs.StringVar(&c.LRSchedule, "lr-schedule", c.LRSchedule, "learning rate after the warm-up: cosine (a half cosine down to 0 at the end of the run) or constant")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup, "steps of linear learning-rate warm-up")
	fs.Float64Var(&c.WeightDecay, "wd", c.WeightDecay, "AdamW weight decay")
	fs.Float64Var(&c.EMADecay, "ema", c.EMADecay, "EMA decay of the sampling weights")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (weights, data order, noise)")
	fs.IntVar(&c.LogEvery, "log-every", c.LogEvery, "steps between metric lines")
	fs.IntVar(&c.SampleEvery, "sample-every", c.SampleEvery, "steps between sample grids (0: only at the end)")
	fs.IntVar(&c.CkptEvery, "ckpt-every", c.CkptEvery, "steps between checkpoints (0: only at the end)")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "steps between evaluations (0: only at the end; -1: never)")
	fs.IntVar(&c.EvalSamples, "eval-samples", c.EvalSamples, "samples drawn for each evaluation")
	fs.StringVar(&c.Sampler, "sampler", c.Sampler, "sampler for grids and evaluation: ddim or ddpm for diffusion, euler or heun for rf (\"\": ddim, or euler for rf)")
	fs.IntVar(&c.SampleSteps, "sample-steps", c.SampleSteps, "sampler steps for grids and evaluation")
	fs.Float64Var(&c.CFGScale, "cfg", c.CFGScale, "classifier-free guidance scale for grids and evaluation (1: none)")
	fs.StringVar(&c.Out, "out", c.Out, "output folder: checkpoints, metrics, pictures")
	fs.StringVar(&c.Resume, "resume", c.Resume, "continue the run in this output folder from its last checkpoint (see above)")
	fs.BoolVar(&c.Overwrite, "overwrite", c.Overwrite, "start the run even if -out holds an earlier one, which is moved aside to OUT.old-TIME (nothing is deleted)")
	addDeviceFlag(fs, &c.Device)
	return fs
}

// parseTrainFlags reads the training flags over the defaults or, with
// -resume DIR, over the config saved in DIR's checkpoint, and checks them
// all before any work.
func parseTrainFlags(args []string, stderr io.Writer) (config, error) {
	c := defaultConfig()
	given, err := parse(trainFlags(&c, stderr), args)
	if err != nil {
		return c, err
	}
	if c.Resume == "" {
		if err := checkDataFlags(c, given); err != nil {
			return c, err
		}
		return c, c.validate()
	}
	for _, name := range given {
		if name != "resume" && !slices.Contains(resumable, name) {
			return c, fmt.Errorf("-%s cannot be given with -resume: a resumed run keeps the config saved in its checkpoint; only -%s may change", name, strings.Join(resumable, ", -"))
		}
	}
	dir := c.Resume
	c, reached, err := loadRunConfig(dir)
	if err != nil {
		return c, err
	}
	if _, err := parse(trainFlags(&c, stderr), args); err != nil {
		return c, err
	}
	c.Resume, c.Out = dir, dir
	if slices.Contains(given, "steps") && c.Steps <= reached {
		return c, fmt.Errorf("-steps %d: the run in %s has already reached step %d; -steps sets the new end, so give more than %d to extend it", c.Steps, dir, reached, reached)
	}
	return c, c.validate()
}
