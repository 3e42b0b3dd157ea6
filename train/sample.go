package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/vae"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/picture"
)

// sampleArgs are the sample subcommand's settings. cfg is the training
// config whose -sample-steps, -cfg and -seed give the defaults.
type sampleArgs struct {
	ckpt, sampler, classes, latents, out, png, trajectory, device string
	vae, decoded                                                  string
	guided, heads, imageSize                                      int
	clip, overwrite                                               bool
	cfg                                                           config
}

// defaultSampleArgs are the settings that -h prints as the defaults.
func defaultSampleArgs() sampleArgs {
	return sampleArgs{device: defaultConfig().Device, cfg: defaultConfig()}
}

const sampleUsage = `usage: go run ./train sample -ckpt FILE [flags]

denoises from a checkpoint (this trainer's, or a converted public DiT) and
writes the samples as a PNG grid, and raw with -out. The flags match other
diffusion tools, so that results can be compared: the same starting noise
in (-latents), raw samples out. A latent diffusion model's samples are
latents: -vae decodes them with the Stable Diffusion VAE, one image at a
time, into the PNG grid and -decoded; a latent run's checkpoint (train -vae)
decodes with the run's VAE unless -vae says otherwise (-vae "" for none).

-objective, -steps, -cfg, -rf-shift and -seed default to the training
config saved in the checkpoint (its -objective, -sample-steps, -cfg,
-rf-shift and -seed: the run's grids are drawn so), or to the training
defaults printed below for a checkpoint without one. A flag that is given
wins. The sampler must be one of the model's objective: ddim or ddpm for
diffusion, euler or heun for rectified flow (rf).

sample writes new files and replaces its own earlier outputs; a file at
-png, -out, -trajectory or -decoded that it did not write (a photo, a checkpoint) is
refused before any work, unless -overwrite is given.

flags:
`

// sampleFlags is the sample flag set, bound to a.
func sampleFlags(a *sampleArgs, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("sample", stderr, sampleUsage)
	fs.StringVar(&a.ckpt, "ckpt", a.ckpt, "checkpoint to sample from (this trainer's, or a converted public DiT state dict); EMA weights are used when present")
	fs.StringVar(&a.sampler, "sampler", a.sampler, "for a diffusion model ddim (deterministic, η = 0) or ddpm (ancestral, as the DiT paper); for rf euler or heun (\"\": ddim, or euler for rf)")
	fs.StringVar(&a.cfg.Objective, "objective", a.cfg.Objective, "what the model was trained for: diffusion or rf (default: the checkpoint's; diffusion for a public DiT without one)")
	fs.Float64Var(&a.cfg.RFShift, "rf-shift", a.cfg.RFShift, "rf: SD3's time shift S of the sampling grid (1: none; default: the run's)")
	fs.IntVar(&a.cfg.SampleSteps, "steps", a.cfg.SampleSteps, "denoising steps (the schedule is respaced to them)")
	fs.Float64Var(&a.cfg.CFGScale, "cfg", a.cfg.CFGScale, "classifier-free guidance scale (1: none)")
	fs.StringVar(&a.classes, "classes", a.classes, "comma-separated class labels, one sample each (\"\": one of every class)")
	fs.Uint64Var(&a.cfg.Seed, "seed", a.cfg.Seed, "seed of the starting noise and of each DDPM step's noise")
	fs.StringVar(&a.latents, "latents", a.latents, "safetensors file with one F32 tensor \"latents\" [B, C, H, W]: the starting noise (x_T; for rf the noise at t = 1)")
	fs.StringVar(&a.out, "out", a.out, "write the raw samples (before clipping or 8-bit conversion) as F32 tensor \"samples\" [B, C, H, W] to this safetensors file")
	fs.StringVar(&a.png, "png", a.png, "write the samples as a PNG grid (\"\": samples.png when -out is not given)")
	fs.StringVar(&a.trajectory, "trajectory", a.trajectory, "write a PNG strip of x_t over the denoising steps")
	fs.StringVar(&a.vae, "vae", a.vae, "decode the samples, latents, with this Stable Diffusion VAE (diffusers' diffusion_pytorch_model.safetensors, or one saved by this project); -png then shows the decoded images, -out still writes the latents (default: a latent run's own VAE)")
	fs.StringVar(&a.decoded, "decoded", a.decoded, "with -vae: write the decoded images as F32 tensor \"samples\" [B, C, H, W] to this safetensors file")
	fs.IntVar(&a.guided, "guided-channels", a.guided, "guide only the first N channels (0: all; 3 reproduces the public reference)")
	fs.IntVar(&a.guided, "cfg-channels", a.guided, "the same as -guided-channels, under the name other tools give it")
	fs.BoolVar(&a.clip, "clip", a.clip, "clamp each step's predicted x0 to [-1, 1]")
	fs.StringVar(&a.cfg.Precision, "precision", a.cfg.Precision, precisionUsage+" (default: the run's)")
	fs.BoolVar(&a.overwrite, "overwrite", a.overwrite, "replace -png, -out and -trajectory files even when sample did not write them")
	fs.IntVar(&a.heads, "heads", a.heads, "attention heads H, as in train and bench; needed only for a checkpoint without a config: a DiT whose hidden size is not a paper config, or any U-Net (0: the checkpoint's)")
	fs.IntVar(&a.imageSize, "image-size", a.imageSize, "image side in pixels; needed only for a U-Net checkpoint without a config, whose weights do not tell it (0: the checkpoint's)")
	addDeviceFlag(fs, &a.device)
	return fs
}

// parseSampleFlags reads the sample flags (over the run's config, when the
// checkpoint has one) and checks them before any work.
func parseSampleFlags(args []string, stderr io.Writer) (sampleArgs, error) {
	a := defaultSampleArgs()
	given, err := parseOverCheckpoint("sample", args, &a.ckpt, &a.cfg, func() *flag.FlagSet { return sampleFlags(&a, stderr) })
	if err != nil {
		return a, err
	}
	if a.vae == "" && a.cfg.VAE != "" && !slices.Contains(given, "vae") { // a latent run decodes with its own VAE
		a.vae = a.cfg.VAE
	}
	if err := checkObjective(a.cfg); err != nil {
		return a, fmt.Errorf("sample: %w", err)
	}
	if err := checkSampler(a.sampler, a.cfg.objectiveName(), objectiveSamplers[a.cfg.objectiveName()]); err != nil {
		return a, fmt.Errorf("sample: %w", err)
	}
	if a.sampler == "" {
		a.sampler = objectiveSamplers[a.cfg.objectiveName()][0]
	}
	if a.clip && a.cfg.Objective == "rf" {
		return a, fmt.Errorf("sample: -clip clamps the diffusion samplers' prediction of x0; the rf samplers (euler, heun) make none")
	}
	switch {
	case a.guided < 0:
		return a, fmt.Errorf("sample: -guided-channels %d (or -cfg-channels %d): must not be negative (0: all)", a.guided, a.guided)
	case a.heads < 0:
		return a, fmt.Errorf("sample: -heads %d: must not be negative (0: the checkpoint's)", a.heads)
	case a.imageSize < 0 || a.imageSize > 1024:
		return a, fmt.Errorf("sample: -image-size %d: must be in [1, 1024] (0: the checkpoint's)", a.imageSize)
	case checkDevice(a.device) != nil:
		return a, fmt.Errorf("sample: %w", checkDevice(a.device))
	case checkPrecision(a.cfg.Precision) != nil:
		return a, fmt.Errorf("sample: %w", checkPrecision(a.cfg.Precision))
	}
	if err := checkSampling("-steps", a.cfg.SampleSteps, a.cfg.CFGScale); err != nil {
		return a, fmt.Errorf("sample: %w", err)
	}
	if a.decoded != "" && a.vae == "" {
		return a, fmt.Errorf("sample: -decoded writes what -vae decodes; give -vae too")
	}
	if a.png == "" && a.out == "" && a.decoded == "" {
		a.png = "samples.png"
	}
	return a, nil
}

// sampleCommand is `go run ./train sample`: denoise from a checkpoint and
// write the samples.
func sampleCommand(args []string, stdout, stderr io.Writer) error {
	a, err := parseSampleFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := checkOutputs(a); err != nil {
		return err
	}
	dev, why, closeDev, err := openDevice(a.device)
	if err != nil {
		return err
	}
	defer closeDev()
	m, err := loadNet(dev, a.ckpt, true, a.heads, a.imageSize)
	if err != nil {
		return err
	}
	defer m.Release()
	m.setPrecision(precisionOf(a.cfg.Precision))
	c := m.Spec()
	if err := checkObjectiveFits(a.cfg, c); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if a.guided > c.Channels {
		return fmt.Errorf("sample: -guided-channels %d (or -cfg-channels %d) is more than the model's channels, C = %d (give at most %d; 0: all)", a.guided, a.guided, c.Channels, c.Channels)
	}
	var decoder *vae.Model
	if a.vae != "" { // before sampling: a bad file fails now, not after it
		if decoder, err = loadVAE(dev, a.vae, c.Channels); err != nil {
			return err
		}
		defer decoder.Release()
	}
	fmt.Fprintln(stdout, why)

	labels, err := parseClasses(a.classes, c.Classes)
	if err != nil {
		return err
	}
	rng := tensor.RNG{Seed: a.cfg.Seed}
	shape := []int{len(labels), c.Channels, c.Size, c.Size}
	var xT *tensor.Tensor
	if a.latents != "" {
		if xT, err = readLatents(dev, a.latents, shape); err != nil {
			return err
		}
	} else {
		xT = rng.Normal(dev, shape...)
	}
	defer xT.Release()

	steps := a.cfg.SampleSteps
	opt := diffusion.SampleOptions{Sampler: a.sampler, Steps: steps, CFGScale: a.cfg.CFGScale, GuidedChannels: a.guided, ClipX0: a.clip, Shift: a.cfg.RFShift}
	var strip *trajectoryStrip
	if a.trajectory != "" {
		strip = newTrajectoryStrip(xT, steps)
		opt.Observe = strip.observe
	}
	samples, err := diffusion.Sample(m, diffusion.LinearSchedule(diffusion.DefaultSteps), xT, labels, &rng, opt)
	if err != nil {
		return err
	}
	defer samples.Release()
	pixels, err := samples.ToHost()
	if err != nil {
		return err
	}
	if a.out != "" {
		mark := map[string]string{"format": samplesFormat}
		if err := nn.WriteFile(a.out, []nn.Tensor{{Name: "samples", Shape: shape, Data: pixels}}, mark); err != nil {
			return fmt.Errorf("sample: -out: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s: samples %v\n", a.out, shape)
	}
	shown, shownShape := pixels, shape
	if decoder != nil {
		if shown, shownShape, err = decodeLatents(dev, decoder, pixels, shape, stdout); err != nil {
			return err
		}
	}
	if a.decoded != "" {
		mark := map[string]string{"format": samplesFormat}
		if err := nn.WriteFile(a.decoded, []nn.Tensor{{Name: "samples", Shape: shownShape, Data: shown}}, mark); err != nil {
			return fmt.Errorf("sample: -decoded: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s: decoded images %v\n", a.decoded, shownShape)
	}
	if a.png != "" {
		scale := 2
		if decoder != nil {
			scale = 1
		}
		if err := picture.WriteGrid(a.png, "sample grid", shown, shownShape[0], shownShape[1], shownShape[2], shownShape[3], min(shownShape[0], 16), scale); err != nil {
			return fmt.Errorf("sample: -png: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s: %d samples, classes %v\n", a.png, len(labels), labels)
	}
	if strip != nil {
		if err := strip.write(a.trajectory, shape); err != nil {
			return fmt.Errorf("sample: -trajectory: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s: x_t at %d of the %d steps (left: noise, right: sample)\n", a.trajectory, strip.frames(), steps)
	}
	return nil
}

// parseClasses reads "3,1,4" into labels; empty means one of each class.
func parseClasses(s string, classes int) ([]int32, error) {
	if s == "" {
		out := make([]int32, classes)
		for i := range out {
			out[i] = int32(i)
		}
		return out, nil
	}
	var out []int32
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 0 || v >= classes {
			return nil, fmt.Errorf("-classes: %q is not a class label in [0, %d)", f, classes)
		}
		out = append(out, int32(v))
	}
	return out, nil
}

// readLatents loads the starting noise from a safetensors file.
func readLatents(dev tensor.Device, path string, shape []int) (*tensor.Tensor, error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-latents: %w", err)
	}
	t, ok := f.Get("latents")
	if !ok {
		return nil, fmt.Errorf("-latents %s: no tensor named \"latents\"", path)
	}
	if len(t.Shape) != 4 || t.Shape[0] != shape[0] || t.Shape[1] != shape[1] || t.Shape[2] != shape[2] || t.Shape[3] != shape[3] {
		return nil, fmt.Errorf("-latents %s: shape %v, want %v (B = the number of classes given)", path, t.Shape, shape)
	}
	return tensor.FromSlice(dev, t.Data, shape...), nil
}

// trajectoryStrip keeps x_t at a few evenly spaced steps: one row per
// sample (at most 8), noise on the left, the sample on the right.
type trajectoryStrip struct {
	every int
	snaps [][]float32 // each [B, C, H, W]
}

func newTrajectoryStrip(xT *tensor.Tensor, steps int) *trajectoryStrip {
	s := &trajectoryStrip{every: max(1, steps/9)}
	s.snaps = append(s.snaps, xT.Data())
	return s
}

func (s *trajectoryStrip) observe(step int, x *tensor.Tensor) {
	if step%s.every == 0 {
		s.snaps = append(s.snaps, x.Data())
	}
}

func (s *trajectoryStrip) frames() int { return len(s.snaps) }

func (s *trajectoryStrip) write(path string, shape []int) error {
	rows := min(shape[0], 8)
	per := shape[1] * shape[2] * shape[3]
	var tiles []float32
	for r := range rows {
		for _, snap := range s.snaps {
			tiles = append(tiles, snap[r*per:(r+1)*per]...)
		}
	}
	return picture.WriteGrid(path, "trajectory strip", tiles, rows*len(s.snaps), shape[1], shape[2], shape[3], len(s.snaps), 2)
}

// writeClassGrid samples the EMA model with guidance — one row per class,
// eight samples each — and writes the PNG.
func writeClassGrid(path string, m diffusion.Denoiser, sched *diffusion.Schedule, cfg config, seed uint64, decoder *vae.Model) error {
	const perClass = 8
	c := m.Spec()
	labels := make([]int32, 0, c.Classes*perClass)
	for k := range c.Classes {
		for range perClass {
			labels = append(labels, int32(k))
		}
	}
	samples, err := sampleBatch(m, sched, labels, cfg, seed)
	if err != nil {
		return err
	}
	if decoder != nil { // latents: the grid shows their decoding
		images, shape, err := decodeLatents(m.Device(), decoder, samples, []int{len(labels), c.Channels, c.Size, c.Size}, io.Discard)
		if err != nil {
			return err
		}
		return picture.WriteGrid(path, "training grid", images, shape[0], shape[1], shape[2], shape[3], perClass, 1)
	}
	return picture.WriteGrid(path, "training grid", samples, len(labels), c.Channels, c.Size, c.Size, perClass, 2)
}

// sampleBatch draws samples with the run's sampler (DDIM or Euler unless
// cfg.Sampler says otherwise), steps and guidance, in chunks that keep
// memory bounded, and returns them on the host.
func sampleBatch(m diffusion.Denoiser, sched *diffusion.Schedule, labels []int32, cfg config, seed uint64) ([]float32, error) {
	c := m.Spec()
	dev := m.Device()
	rng := tensor.RNG{Seed: seed}
	var out []float32
	const chunk = 100
	for lo := 0; lo < len(labels); lo += chunk {
		y := labels[lo:min(lo+chunk, len(labels))]
		xT := rng.Normal(dev, len(y), c.Channels, c.Size, c.Size)
		s, err := diffusion.Sample(m, sched, xT, y, &rng, diffusion.SampleOptions{Sampler: cfg.sampler(), Steps: cfg.SampleSteps, CFGScale: cfg.CFGScale, Shift: cfg.RFShift})
		xT.Release()
		if err != nil {
			return nil, fmt.Errorf("sampling: %w", err)
		}
		d, err := s.ToHost()
		s.Release()
		if err != nil {
			return nil, fmt.Errorf("sampling: %w", err)
		}
		out = append(out, d...)
	}
	return out, nil
}
