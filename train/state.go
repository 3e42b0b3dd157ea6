package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/ditgo/ditgo/dit"
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
}

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
func saveCheckpoint(path string, cfg config, m, ema *dit.Model, opt *nn.AdamW, st runState, host *rand.PCG) error {
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
	cj, _ := json.Marshal(cfg)
	sj, _ := json.Marshal(st)
	meta := map[string]string{dit.ConfigKey: m.Config.JSON(), keyTrainConfig: string(cj), keyState: string(sj),
		"adam_step": fmt.Sprint(opt.Step)}
	if err := nn.WriteFile(path, ts, meta); err != nil {
		return fmt.Errorf("saving the checkpoint: %w", err)
	}
	return nil
}

// loadCheckpoint restores a run's weights, optimizer and state from the
// output folder of an earlier run.
func loadCheckpoint(out string, m, ema *dit.Model, opt *nn.AdamW, host *rand.PCG) (runState, error) {
	path := checkpointPath(out)
	var st runState
	f, err := nn.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, fmt.Errorf("-resume %s: no checkpoint there (%s does not exist)", out, path)
	}
	if err != nil {
		return st, fmt.Errorf("-resume: %w", err)
	}
	saved, err := dit.ParseConfig(f.Metadata[dit.ConfigKey])
	if err != nil {
		return st, fmt.Errorf("-resume %s: %w", path, err)
	}
	if saved != m.Config {
		return st, fmt.Errorf("-resume %s: the checkpoint's model %s differs from %s, the one its config makes for the data; is -data still the same?", path, saved.JSON(), m.Config.JSON())
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
	return st, nil
}

// loadRunConfig returns the training config of the run in the output
// folder out, from its checkpoint.
func loadRunConfig(out string) (config, error) {
	c, ok, err := readTrainConfig(checkpointPath(out))
	if err != nil {
		return c, fmt.Errorf("-resume %s: %w", out, err)
	}
	if !ok {
		return c, fmt.Errorf("-resume %s: the checkpoint has no training config; resume a run of this trainer", out)
	}
	return c, nil
}

// readTrainConfig returns the training config saved in the checkpoint at
// path; ok is false for a checkpoint without one (a converted public DiT,
// or a model saved alone). Configs of older checkpoints are brought up to
// date: an empty -lr-schedule was the constant one, and an empty -model
// was a custom one whose four sizes were all given, which any named base
// turns into the same model.
func readTrainConfig(path string) (c config, ok bool, err error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return c, false, err
	}
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
	return c, true, nil
}
