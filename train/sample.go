package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/picture"
)

// sampleCommand is `go run ./train sample`: denoise from a checkpoint and
// write the samples, with flags that match other diffusion tools so that
// results can be compared (same starting latents in, raw samples out).
func sampleCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ckpt := fs.String("ckpt", "", "checkpoint to sample from (this trainer's, or a converted public DiT state dict); EMA weights are used when present")
	sampler := fs.String("sampler", "ddpm", "ddpm (ancestral, as the DiT paper) or ddim (deterministic, η = 0)")
	steps := fs.Int("steps", 250, "denoising steps (the schedule is respaced to them)")
	cfgScale := fs.Float64("cfg", 4, "classifier-free guidance scale; 1 means no guidance")
	classes := fs.String("classes", "", "comma-separated class labels, one sample each (default: one of every class)")
	seed := fs.Uint64("seed", 0, "seed of the starting noise and of each DDPM step's noise")
	latents := fs.String("latents", "", "safetensors file with one F32 tensor \"latents\" [B, C, H, W]: the starting noise")
	out := fs.String("out", "", "write the raw samples (before clipping or 8-bit conversion) as F32 tensor \"samples\" [B, C, H, W] to this safetensors file")
	png := fs.String("png", "", "write the samples as a PNG grid (default samples.png when -out is not given)")
	trajectory := fs.String("trajectory", "", "write a PNG strip of x_t over the denoising steps")
	guided := fs.Int("guided-channels", 0, "guide only the first N channels (0: all; 3 reproduces the public reference)")
	clip := fs.Bool("clip", false, "clamp each step's predicted x0 to [-1, 1]")
	heads := fs.Int("heads", 0, "attention heads, for a checkpoint without a config whose hidden size is not a paper config")
	device := fs.String("device", "auto", "auto, cpu or vulkan")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" {
		return errors.New("sample: -ckpt FILE is required (see -h)")
	}
	if *sampler != "ddpm" && *sampler != "ddim" {
		return fmt.Errorf("sample: -sampler %q: use ddpm or ddim", *sampler)
	}
	if *cfgScale < 1 {
		return fmt.Errorf("sample: -cfg %v: must be at least 1 (1 means no guidance)", *cfgScale)
	}
	if *png == "" && *out == "" {
		*png = "samples.png"
	}

	dev, why, closeDev, err := openDevice(*device)
	if err != nil {
		return err
	}
	defer closeDev()
	m, err := dit.Load(dev, *ckpt, true, *heads)
	if err != nil {
		return err
	}
	defer m.Release()
	c := m.Config
	fmt.Fprintln(stdout, why)

	labels, err := parseClasses(*classes, c.Classes)
	if err != nil {
		return err
	}
	rng := tensor.RNG{Seed: *seed}
	shape := []int{len(labels), c.Channels, c.InputSize, c.InputSize}
	var xT *tensor.Tensor
	if *latents != "" {
		if xT, err = readLatents(dev, *latents, shape); err != nil {
			return err
		}
	} else {
		xT = rng.Normal(dev, shape...)
	}
	defer xT.Release()

	opt := dit.SampleOptions{Sampler: *sampler, Steps: *steps, CFGScale: *cfgScale, GuidedChannels: *guided, ClipX0: *clip}
	var strip *trajectoryStrip
	if *trajectory != "" {
		strip = newTrajectoryStrip(xT, *steps)
		opt.Observe = strip.observe
	}
	samples, err := m.Sample(dit.LinearSchedule(dit.DefaultSteps), xT, labels, &rng, opt)
	if err != nil {
		return err
	}
	defer samples.Release()
	data, err := samples.ToHost()
	if err != nil {
		return err
	}
	if *out != "" {
		if err := nn.WriteFile(*out, []nn.Tensor{{Name: "samples", Shape: shape, Data: data}}, nil); err != nil {
			return fmt.Errorf("sample: %w", err)
		}
		fmt.Fprintf(stdout, "wrote %s: samples %v\n", *out, shape)
	}
	if *png != "" {
		if err := picture.WriteGrid(*png, data, shape[0], shape[1], shape[2], shape[3], min(shape[0], 16), 2); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d samples, classes %v\n", *png, len(labels), labels)
	}
	if strip != nil {
		if err := strip.write(*trajectory, shape); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: x_t at %d of the %d steps (left: noise, right: sample)\n", *trajectory, strip.frames(), *steps)
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
	return picture.WriteGrid(path, tiles, rows*len(s.snaps), shape[1], shape[2], shape[3], len(s.snaps), 2)
}

// writeClassGrid samples the EMA model with guidance — one row per class,
// eight samples each — and writes the PNG.
func writeClassGrid(path string, m *dit.Model, sched *dit.Schedule, cfg Config, seed uint64) error {
	const perClass = 8
	c := m.Config
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
	return picture.WriteGrid(path, samples, len(labels), c.Channels, c.InputSize, c.InputSize, perClass, 2)
}

// sampleBatch draws DDIM samples with the run's guidance, in chunks that
// keep memory bounded, and returns them on the host.
func sampleBatch(m *dit.Model, sched *dit.Schedule, labels []int32, cfg Config, seed uint64) ([]float32, error) {
	c := m.Config
	dev := m.Device()
	rng := tensor.RNG{Seed: seed}
	var out []float32
	const chunk = 100
	for lo := 0; lo < len(labels); lo += chunk {
		y := labels[lo:min(lo+chunk, len(labels))]
		xT := rng.Normal(dev, len(y), c.Channels, c.InputSize, c.InputSize)
		s, err := m.Sample(sched, xT, y, &rng, dit.SampleOptions{Sampler: "ddim", Steps: cfg.SampleSteps, CFGScale: cfg.CFGScale})
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
