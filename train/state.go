package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// runState is everything besides the weights that a resumed run needs to
// continue exactly as if it had never stopped.
type runState struct {
	Step    int        `json:"step"`     // steps completed
	Epoch   int        `json:"epoch"`    // data order: the epoch's permutation …
	Cursor  int        `json:"cursor"`   // … and the position in it
	HostRNG string     `json:"host_rng"` // base64 of the PCG state (timesteps, label dropout, flips)
	Noise   tensor.RNG `json:"noise"`    // the Philox stream of the training noise
	// LossScale is the loss scaler of a -precision fp16 run, nil otherwise.
	LossScale *nn.LossScaler `json:"loss_scale,omitempty"`
	// Elapsed is the run's wall time in seconds when the checkpoint was
	// written, over all its processes, and Aside the part of it spent on
	// checkpoints, grids and evaluations: a resumed run counts on from
	// them, so its metrics' elapsed_s and its training time are the whole
	// run's. (Work done after the checkpoint by a process that was then
	// killed is done again, and counted once.)
	Elapsed float64 `json:"elapsed_s,omitempty"`
	Aside   float64 `json:"aside_s,omitempty"`
}

// seconds is a count of seconds as a Duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Metadata keys of a training checkpoint.
const (
	keyTrainConfig = "train_config"
	keyState       = "train_state"
)

// checkpointPath is where a run keeps its last good checkpoint.
func checkpointPath(out string) string { return filepath.Join(out, "checkpoint.safetensors") }

// saveCheckpoint writes model, EMA, optimizer and state atomically: a crash
// at any moment leaves the previous checkpoint or this one, never half of
// one.
func saveCheckpoint(path string, cfg config, m, ema *net, opt *nn.AdamW, st runState, host *rand.PCG) error {
	b, err := host.MarshalBinary()
	if err != nil {
		return err
	}
	st.HostRNG = base64.StdEncoding.EncodeToString(b)
	var ts []nn.Tensor
	for _, part := range []func() ([]nn.Tensor, error){
		func() ([]nn.Tensor, error) { return m.Params.Tensors("") },
		func() ([]nn.Tensor, error) { return ema.Params.Tensors("ema.") },
		opt.State,
	} {
		t, err := part()
		if err != nil {
			return err
		}
		ts = append(ts, t...)
	}
	if err := checkFinite(ts, st.Step, path); err != nil {
		return err
	}
	cj, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("saving the checkpoint: the training config: %w", err)
	}
	sj, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("saving the checkpoint: the training state: %w", err)
	}
	meta := map[string]string{m.configKey: m.configJSON, keyTrainConfig: string(cj), keyState: string(sj), keyObjective: cfg.objectiveName(),
		"adam_step": fmt.Sprint(opt.Step)}
	if err := nn.WriteFile(path, ts, meta); err != nil {
		return fmt.Errorf("saving the checkpoint: %w", err)
	}
	return nil
}

// checkFinite refuses to save weights or optimizer moments that hold a NaN
// or an infinity: a diverging update would otherwise replace the last good
// checkpoint with one that samples nothing but NaN.
func checkFinite(ts []nn.Tensor, step int, path string) error {
	for _, t := range ts {
		for _, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("step %d: %s holds %v after the update; not saving it (the last good checkpoint, if any, stays in %s): try a lower -lr", step, t.Name, v, path)
			}
		}
	}
	return nil
}

// checkSound runs the trained and the averaged model on a fixed probe
// batch before a checkpoint is saved: a diverging update can leave finite
// but huge weights (a learning rate of 1e38 does) whose loss, and whose
// samples, are NaN. Such weights are not saved. The probe draws from
// random streams of its own, so the run goes on exactly as without it.
func (r *trainer) checkSound() error {
	ds := r.data
	b := min(8, ds.N)
	c, h, w := ds.C, ds.H, ds.W
	x0 := make([]float32, 0, b*c*h*w)
	y := make([]int32, b)
	for i := range b {
		x0 = append(x0, ds.Image(i)...)
		y[i] = ds.Labels[i]
	}
	if l := r.latents; l != nil { // a latent run: the images' latent means
		c, h, w = l.c, l.h, l.w
		x0 = x0[:0]
		for _, v := range l.mean[:b*c*h*w] {
			x0 = append(x0, v*l.scale)
		}
	}
	levels := r.obj.spread(b)
	noiseRNG := tensor.RNG{Seed: 0x70726f6265} // "probe"
	for _, m := range []struct {
		name  string
		model *net
	}{{"trained", r.model}, {"averaged (EMA)", r.ema}} {
		g := autograd.NewGraph()
		noise := g.Own(noiseRNG.Normal(r.dev, b, c, h, w))
		loss, err := r.obj.loss(g, m.model, x0, noise, levels, y).Total.Value.Item()
		g.Release()
		if err != nil {
			return fmt.Errorf("step %d: checking the weights before saving: %w%s", r.st.Step, err, memoryHint(err))
		}
		if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
			return fmt.Errorf("step %d: the %s model's loss on a probe batch is %v after the update; not saving it (the last good checkpoint, if any, stays in %s): try a lower -lr",
				r.st.Step, m.name, loss, checkpointPath(r.cfg.Out))
		}
	}
	return nil
}

// loadCheckpoint restores a run's weights, optimizer and state from the
// output folder of an earlier run.
func loadCheckpoint(out string, m, ema *net, opt *nn.AdamW, host *rand.PCG) (runState, error) {
	path := checkpointPath(out)
	var st runState
	f, err := nn.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, fmt.Errorf("-resume %s: no checkpoint there (%s does not exist)", out, path)
	}
	if err != nil {
		return st, fmt.Errorf("-resume: %w", err)
	}
	js, ok := f.Metadata[m.configKey]
	if !ok {
		return st, fmt.Errorf("-resume %s: the checkpoint holds no %s, the kind of model its config makes; it is not this run's", path, m.configKey)
	}
	saved, err := m.canonical(js)
	if err != nil {
		return st, fmt.Errorf("-resume %s: %w", path, err)
	}
	if saved != m.configJSON {
		return st, fmt.Errorf("-resume %s: the checkpoint's model %s differs from %s, the one its config makes for the data; is -data still the same?", path, saved, m.configJSON)
	}
	if err := json.Unmarshal([]byte(f.Metadata[keyState]), &st); err != nil {
		return st, fmt.Errorf("-resume %s: bad training state: %w", path, err)
	}
	b, err := base64.StdEncoding.DecodeString(st.HostRNG)
	if err == nil {
		err = host.UnmarshalBinary(b)
	}
	if err != nil {
		return st, fmt.Errorf("-resume %s: bad random state: %w", path, err)
	}
	if err := m.Params.Load(f, ""); err != nil {
		return st, err
	}
	if err := ema.Params.Load(f, "ema."); err != nil {
		return st, err
	}
	if err := opt.LoadState(f); err != nil {
		return st, err
	}
	if _, err := fmt.Sscan(f.Metadata["adam_step"], &opt.Step); err != nil {
		return st, fmt.Errorf("-resume %s: bad optimizer step: %w", path, err)
	}
	if st.LossScale != nil {
		if err := st.LossScale.Check(); err != nil {
			return st, fmt.Errorf("-resume %s: %w", path, err)
		}
	}
	return st, nil
}

// loadRunConfig returns the training config of the run in the output
// folder out and the step it reached, from its checkpoint.
func loadRunConfig(out string) (c config, reached int, err error) {
	path := checkpointPath(out)
	f, err := nn.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, 0, fmt.Errorf("-resume %s: no checkpoint there (%s does not exist)", out, path)
	}
	if errors.Is(err, nn.ErrCorrupt) {
		return c, 0, fmt.Errorf("-resume %s: corrupt checkpoint: %w", out, err)
	}
	if err != nil {
		return c, 0, fmt.Errorf("-resume: %w", err)
	}
	c, ok, err := trainConfigOf(f, path)
	if err != nil {
		return c, 0, fmt.Errorf("-resume: %w", err)
	}
	if !ok {
		return c, 0, fmt.Errorf("-resume %s: the checkpoint has no training config; resume a run of this trainer", out)
	}
	var st runState
	if err := json.Unmarshal([]byte(f.Metadata[keyState]), &st); err != nil {
		return c, 0, fmt.Errorf("-resume %s: bad training state: %w", path, err)
	}
	return c, st.Step, nil
}

// readTrainConfig returns the training config saved in the checkpoint at
// path; ok is false for a checkpoint without one (a converted public DiT,
// or a model saved alone). Configs of older checkpoints are brought up to
// date: an empty -lr-schedule was the constant one, and an empty -model
// was a custom one whose four sizes were all given, which any named base
// turns into the same model; an empty -precision was fp32, and an empty
// -objective diffusion.
//
// A checkpoint without a training config that names its objective in the
// metadata (keyObjective: another tool's rectified-flow model) gives the
// default config with that objective, and ok.
func readTrainConfig(path string) (c config, ok bool, err error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return c, false, err
	}
	c, ok, err = trainConfigOf(f, path)
	if o, named := f.Metadata[keyObjective]; !ok && err == nil && named {
		c, ok = defaultConfig(), true
		c.Objective = o
	}
	return c, ok, err
}

// trainConfigOf is readTrainConfig for a file already read.
func trainConfigOf(f *nn.File, path string) (c config, ok bool, err error) {
	js, ok := f.Metadata[keyTrainConfig]
	if !ok {
		return c, false, nil
	}
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		return c, false, fmt.Errorf("%s: bad training config: %w", path, err)
	}
	if c.LRSchedule == "" {
		c.LRSchedule = "constant"
	}
	if c.Model == "" {
		c.Model = defaultConfig().Model
	}
	if c.Precision == "" { // before -precision, every run was fp32
		c.Precision = "fp32"
	}
	if c.Objective == "" { // before -objective, every run was diffusion
		d := defaultConfig()
		c.Objective, c.RFMean, c.RFStd, c.RFShift = d.Objective, d.RFMean, d.RFStd, d.RFShift
	}
	return c, true, nil
}
