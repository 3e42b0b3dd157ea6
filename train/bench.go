package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/vk"
)

// benchConfig is what `go run ./train bench` times.
type benchConfig struct {
	modelSpec
	ImageSize, Channels, Classes int // 0: the model's
	Batch                        int
	GradCheckpoint               bool
	Precision                    string
	Objective                    string // diffusion or rf
	Steps, Warmup                int
	Device                       string
	JSON                         bool
	CPUProfile                   string
	Roofline                     string // a GPU of gpus, or ""
}

// benchResult is one bench run, also printed as JSON with -json (the peer
// script reads it).
type benchResult struct {
	Model      string    `json:"model"`
	Config     string    `json:"config"`
	Batch      int       `json:"batch"`
	Device     string    `json:"device"`
	Precision  string    `json:"precision"`
	StepMS     []float64 `json:"step_ms"` // every timed step, in order
	MedianMS   float64   `json:"median_ms"`
	ImgPerS    float64   `json:"img_per_s"`
	GFLOPPerS  float64   `json:"gflop_per_s"`
	StepGFLOP  float64   `json:"step_gflop"`
	Parameters int       `json:"parameters"`
	PeakMiB    float64   `json:"peak_mib"` // the most device memory tensors held during a timed step
	// Vulkan is what a Vulkan device did in one timed step, on average
	// (absent on the CPU devices).
	Vulkan *stepCounters `json:"vulkan,omitempty"`
}

// stepCounters are a Vulkan device's counters per training step.
type stepCounters struct {
	Dispatches, Copies, Fills, Barriers, Submissions float64
	UploadMiB, DownloadMiB                           float64
	kernels                                          map[string]vk.KernelCounts // over all timed steps
	steps                                            int
}

// perStep divides the counters of n steps by n.
func perStep(c vk.Counters, n int) *stepCounters {
	f := func(v int64) float64 { return float64(v) / float64(n) }
	return &stepCounters{Dispatches: f(c.Dispatches), Copies: f(c.Copies), Fills: f(c.Fills), Barriers: f(c.Barriers),
		Submissions: f(c.Submissions), UploadMiB: f(c.UploadBytes) / (1 << 20), DownloadMiB: f(c.DownloadBytes) / (1 << 20),
		kernels: c.Kernels, steps: n}
}

// benchCommand times the training step — forward, hybrid loss, backward,
// AdamW — on random data of the model's shape, after warm-up steps, and
// prints the median.
func benchCommand(args []string, stdout, stderr io.Writer) error {
	bc, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	var mcfg dit.Config
	var ucfg unet.Config
	if isUNet(bc.Model) {
		ucfg, err = bc.unetConfig()
	} else {
		mcfg, err = bc.modelConfig()
	}
	if err != nil {
		return err
	}
	if bc.Objective == "rf" { // the velocity alone
		ucfg.LearnSigma, mcfg.LearnSigma = false, false
	}
	dev, line, closeDev, err := openDevice(bc.Device)
	if err != nil {
		return err
	}
	defer closeDev()
	nc := netConfig{DiT: &mcfg}
	if isUNet(bc.Model) {
		nc = netConfig{UNet: &ucfg}
	}
	if err := checkHostMemory(dev, nc.stepEstimate(bc.Batch, false), bc.Batch, bc.GradCheckpoint); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if !bc.JSON {
		fmt.Fprintln(stdout, line)
	}
	r, err := benchSteps(dev, nc, bc, stderr)
	if err != nil {
		return err
	}
	r.Model, r.Device, r.Precision = bc.modelSpec.String(), dev.Name(), bc.Precision
	if bc.JSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	fmt.Fprintf(stdout, "model: %s — %s, %.2fM parameters\n", r.Model, r.Config, float64(r.Parameters)/1e6)
	loss := "hybrid loss"
	if bc.Objective == "rf" {
		loss = "rectified-flow loss"
	} else if !nc.learnSigma() {
		loss = "noise MSE"
	}
	step, recomputed := "forward, "+loss+", backward, AdamW", ""
	if bc.GradCheckpoint {
		// The GFLOP/s are the model's, as usual: the blocks' second
		// forward pass is work the checkpointing adds, not the model.
		step, recomputed = "forward, "+loss+", backward with each block recomputed, AdamW", "; the recomputed blocks not counted"
	}
	fmt.Fprintf(stdout, "training step (%s), batch %d, %s products, median of %d after %d warm-up:\n",
		step, bc.Batch, bc.Precision, bc.Steps, bc.Warmup)
	fmt.Fprintf(stdout, "  %.1f ms/step   %.1f img/s   %.1f GFLOP/s (%.1f GFLOP per step: 3 × the forward pass's matrix products, see dit.Config.ForwardFLOPs%s)\n",
		r.MedianMS, r.ImgPerS, r.GFLOPPerS, r.StepGFLOP, recomputed)
	fmt.Fprintf(stdout, "  peak device memory: %.0f MiB (what tensors held during a step: weights, AdamW moments, activations, gradients)\n", r.PeakMiB)
	if c := r.Vulkan; c != nil {
		fmt.Fprintf(stdout, "  per step on Vulkan: %.0f dispatches, %.0f copies, %.0f fills, %.0f barriers, %.1f submissions; %.2f MiB uploaded, %.3f MiB downloaded\n",
			c.Dispatches, c.Copies, c.Fills, c.Barriers, c.Submissions, c.UploadMiB, c.DownloadMiB)
		if bc.Roofline != "" {
			writeRoofline(stdout, gpus[bc.Roofline], c.kernels, c.steps, r.MedianMS)
		}
	} else if bc.Roofline != "" {
		fmt.Fprintf(stdout, "  (no roofline: -roofline reads the Vulkan device's counts of each kernel; give -device vulkan)\n")
	}
	return nil
}

// benchSteps builds the model nc on dev (the DiT or the U-Net, as
// training does: net.go) and times its training steps.
func benchSteps(dev tensor.Device, nc netConfig, bc benchConfig, progress io.Writer) (benchResult, error) {
	m, err := nc.build(dev, bc.GradCheckpoint, precisionOf(bc.Precision))
	if err != nil {
		return benchResult{}, err
	}
	defer m.Release()
	m.init(1)
	params, flop := m.Params, nc.trainFLOPs(bc.Batch)
	opt := nn.NewAdamW(params, 1e-4, 0)
	defer opt.Release()
	spec := m.Spec()

	// Random images in [−1, 1] and labels; the timesteps and labels change
	// every step as in training, the images need not.
	r := rand.New(rand.NewPCG(1, 2))
	shape := []int{bc.Batch, spec.Channels, spec.Size, spec.Size}
	x0 := make([]float32, bc.Batch*spec.Channels*spec.Size*spec.Size)
	for i := range x0 {
		x0[i] = 2*r.Float32() - 1
	}
	labels := make([]int32, bc.Batch)
	obj := objective{rf: bc.Objective == "rf", mean: 0, std: 1, sched: diffusion.LinearSchedule(diffusion.DefaultSteps)}
	noise := tensor.RNG{Seed: 3}
	var scaler *nn.LossScaler // -precision fp16: the step includes the loss scaling
	if precisionOf(bc.Precision) == autograd.FP16 {
		scaler = nn.NewLossScaler()
	}

	times := make([]float64, 0, bc.Steps)
	vkDev, onVulkan := dev.(*vk.Device)
	var counted vk.Counters     // at the first timed step
	tty := isTerminal(progress) // \r redraws a line only on a terminal
	stopProfile := func() {}
	for step := range bc.Warmup + bc.Steps {
		if step == bc.Warmup && bc.CPUProfile != "" {
			if stopProfile, err = startCPUProfile(bc.CPUProfile); err != nil {
				return benchResult{}, err
			}
		}
		for i := range labels {
			labels[i] = int32(r.IntN(spec.Classes))
		}
		y := m.drop(labels, r)
		levels := obj.draw(r, bc.Batch)
		if step == bc.Warmup {
			dev.ResetPeak() // the timed steps' peak, not the first step's
			if onVulkan {
				counted = vkDev.Counters()
			}
		}
		start := time.Now()
		g := autograd.NewGraph()
		eps := g.Own(noise.Normal(dev, shape...))
		g.UseRNG(&noise) // the training step's dropout, as in a run
		loss := obj.loss(g, m, x0, eps, levels, y)
		if err := backwardAndUpdate(g, loss.Total, params, opt, scaler); err != nil {
			g.Release()
			return benchResult{}, fmt.Errorf("bench step %d: %w", step+1, err)
		}
		_, err := loss.Total.Value.Item() // waits for the device
		g.Release()
		if err != nil {
			return benchResult{}, fmt.Errorf("bench step %d: %w%s", step+1, err, memoryHint(err))
		}
		ms := float64(time.Since(start).Microseconds()) / 1e3
		if step >= bc.Warmup {
			times = append(times, ms)
		}
		if tty {
			fmt.Fprintf(progress, "\rbench step %d/%d: %.1f ms", step+1, bc.Warmup+bc.Steps, ms)
		} else {
			fmt.Fprintf(progress, "bench step %d/%d: %.1f ms\n", step+1, bc.Warmup+bc.Steps, ms)
		}
	}
	stopProfile()
	if tty {
		fmt.Fprintln(progress)
	}
	med := median(times)
	_, peak := dev.Memory()
	var counters *stepCounters
	if onVulkan {
		counters = perStep(vkDev.Counters().Sub(counted), bc.Steps)
	}
	return benchResult{
		Vulkan:     counters,
		Config:     m.summary,
		Batch:      bc.Batch,
		StepMS:     times,
		MedianMS:   med,
		ImgPerS:    float64(bc.Batch) / (med / 1e3),
		GFLOPPerS:  flop / (med / 1e3) / 1e9,
		StepGFLOP:  flop / 1e9,
		Parameters: params.Count(),
		PeakMiB:    float64(peak) / (1 << 20),
	}, nil
}

// startCPUProfile starts pprof's CPU profile into path, a new file; the
// returned function stops it and closes the file.
func startCPUProfile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// exists reports whether something is at path.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// median of a non-empty slice.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

const benchUsage = `usage: go run ./train bench [-model NAME] [-depth D -hidden H -heads N -patch P] [-image-size N] [-channels C] [-batch B] [-steps N] [-device ...]

times the training step (forward, loss, backward, AdamW) on random
data and prints the median ms/step, img/s and GFLOP/s. The model flags are
train's: -model names a config, and each size flag given (not 0) replaces
that size of it.

flags:
`

// benchFlags is the bench flag set, bound to bc.
func benchFlags(bc *benchConfig, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("bench", stderr, benchUsage)
	addModelFlags(fs, &bc.modelSpec)
	fs.IntVar(&bc.ImageSize, "image-size", bc.ImageSize, "image side (0: the model's: 28 for the teaching configs, 32 for the paper's latents)")
	fs.IntVar(&bc.Channels, "channels", bc.Channels, "image channels (0: the model's: 1 for the teaching configs, 4 for the paper's)")
	fs.IntVar(&bc.Classes, "classes", bc.Classes, "class labels (0: the model's: 10 for the teaching configs, 1000 for the paper's)")
	fs.IntVar(&bc.Batch, "batch", bc.Batch, "images per step")
	fs.BoolVar(&bc.GradCheckpoint, "grad-checkpoint", bc.GradCheckpoint, gradCheckpointUsage)
	fs.StringVar(&bc.Precision, "precision", bc.Precision, precisionUsage)
	fs.StringVar(&bc.Objective, "objective", bc.Objective, "training objective: diffusion (the hybrid loss) or rf (rectified flow; the model then predicts no variance)")
	fs.IntVar(&bc.Steps, "steps", bc.Steps, "timed steps (the median is printed)")
	fs.IntVar(&bc.Warmup, "warmup", bc.Warmup, "untimed steps first (buffers, caches, pipelines)")
	addDeviceFlag(fs, &bc.Device)
	fs.BoolVar(&bc.JSON, "json", bc.JSON, "print the result as one JSON line")
	fs.StringVar(&bc.CPUProfile, "cpuprofile", bc.CPUProfile, "write a pprof CPU profile of the timed steps to this new file (go tool pprof FILE)")
	fs.StringVar(&bc.Roofline, "roofline", bc.Roofline, "on -device vulkan, bound each kernel's time per step on this GPU from its FLOPs and bytes: "+gpuNames())
	return fs
}

// parseBenchFlags reads the bench flags over bench's defaults: DiT-Tiny/4,
// the model of the CPU-speed comparison with PyTorch, at batch 64.
func parseBenchFlags(args []string, stderr io.Writer) (benchConfig, error) {
	bc := benchConfig{modelSpec: modelSpec{Model: "DiT-Tiny/4"}, Batch: 64, Precision: "fp32", Objective: "diffusion", Steps: 10, Warmup: 3, Device: "auto"}
	if _, err := parse(benchFlags(&bc, stderr), args); err != nil {
		return bc, err
	}
	switch {
	case bc.ImageSize < 0 || bc.Channels < 0 || bc.Classes < 0:
		return bc, fmt.Errorf("-image-size %d, -channels %d, -classes %d: must not be negative (0: the model's)", bc.ImageSize, bc.Channels, bc.Classes)
	case bc.Batch < 1:
		return bc, fmt.Errorf("-batch %d: must be at least 1", bc.Batch)
	case bc.Steps < 1:
		return bc, fmt.Errorf("-steps %d: must be at least 1", bc.Steps)
	case bc.Warmup < 0:
		return bc, fmt.Errorf("-warmup %d: must not be negative", bc.Warmup)
	case bc.Roofline != "" && gpus[bc.Roofline].name == "":
		return bc, fmt.Errorf("-roofline %q: use one of %s", bc.Roofline, gpuNames())
	case bc.Objective != "diffusion" && bc.Objective != "rf":
		return bc, fmt.Errorf("-objective %q: must be diffusion or rf", bc.Objective)
	case bc.CPUProfile != "" && exists(bc.CPUProfile):
		return bc, fmt.Errorf("-cpuprofile %s: the file exists; bench writes only a new file (remove it, or give another name)", bc.CPUProfile)
	}
	if err := checkDevice(bc.Device); err != nil {
		return bc, err
	}
	if err := checkPrecision(bc.Precision); err != nil {
		return bc, err
	}
	if isUNet(bc.Model) { // the model, checked before any work
		_, err := bc.unetConfig()
		return bc, err
	}
	_, err := bc.modelConfig()
	return bc, err
}

// unetConfig is the U-Net to time: the named config with -image-size,
// -channels and -classes replacing its shape.
func (bc benchConfig) unetConfig() (unet.Config, error) {
	c, err := bc.modelSpec.unetConfig()
	if err != nil {
		return c, errors.New("bench: " + err.Error())
	}
	apply([]override{{"-image-size", bc.ImageSize, &c.InputSize}, {"-channels", bc.Channels, &c.Channels}, {"-classes", bc.Classes, &c.Classes}})
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("bench: -model %s with -image-size %d, -channels %d: %w", bc.Model, c.InputSize, c.Channels, err)
	}
	return c, nil
}

// modelConfig is the DiT to time: the model flags' config, with
// -image-size, -channels and -classes replacing its shape.
func (bc benchConfig) modelConfig() (dit.Config, error) {
	m, err := bc.modelSpec.config()
	if err != nil {
		return m, err
	}
	apply([]override{{"-image-size", bc.ImageSize, &m.InputSize}, {"-channels", bc.Channels, &m.Channels}, {"-classes", bc.Classes, &m.Classes}})
	if err := checkShape(m, "-image-size"); err != nil {
		return m, errors.New("bench: " + err.Error())
	}
	if err := checkSize(m, bc.Batch); err != nil {
		return m, errors.New("bench: " + err.Error())
	}
	return m, nil
}
