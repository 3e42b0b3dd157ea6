package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/tensor"
)

// tinyCheckpoint trains the tiny run of tinyArgs for 3 steps, with extra
// flags, and returns its output folder.
func tinyCheckpoint(t *testing.T, extra ...string) string {
	t.Helper()
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	writeTinyMNIST(t, data, 12)
	if err := run(t, append(tinyArgs(data, out, 3), extra...)...); err != nil {
		t.Fatal(err)
	}
	return out
}

// A flag given with -resume wins even when it equals its default
// (`-steps 24000` once compared equal to "not given"); the flags not given
// come from the checkpoint; any flag that would change the run is refused.
func TestResumeFlags(t *testing.T) {
	out := tinyCheckpoint(t, "-lr", "5e-4")
	c, err := parseTrainFlags([]string{"-resume", out, "-steps", itoa(defaultConfig().Steps)}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Steps != defaultConfig().Steps || c.LR != 5e-4 || c.Device != "cpu" || c.Out != out || c.Depth != 1 {
		t.Errorf("resumed config %+v, want the saved one (lr 5e-4, device cpu, depth 1) with -steps %d", c, defaultConfig().Steps)
	}
	c, err = parseTrainFlags([]string{"-resume", out, "-device", "auto", "-log-every", "7", "-sample-every", "0", "-ckpt-every", "9", "-eval-every", "-1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Steps != 3 || c.Device != "auto" || c.LogEvery != 7 || c.SampleEvery != 0 || c.CkptEvery != 9 || c.EvalEvery != -1 {
		t.Errorf("resumed config %+v, want the saved 3 steps with the given device and intervals", c)
	}
	for _, flag := range []string{"-lr", "-batch", "-model", "-depth", "-out", "-data", "-seed", "-cfg"} {
		_, err := parseTrainFlags([]string{"-resume", out, flag, "1"}, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), flag+" cannot be given with -resume") {
			t.Errorf("-resume with %s: error %v, want one that names %s", flag, err, flag)
		}
	}
}

// The model flags follow one rule in train and bench: -model names a
// config, and each size flag given replaces that size.
func TestModelFlags(t *testing.T) {
	args := []string{"-model", "DiT-Tiny/4", "-depth", "2", "-heads", "6"}
	c, err := parseTrainFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := parseBenchFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := dit.Named("DiT-Tiny/4")
	want.Depth, want.Heads = 2, 6
	for name, spec := range map[string]modelSpec{"train": c.modelSpec, "bench": bc.modelSpec} {
		if got, err := spec.config(); err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
		}
		if !spec.custom() || spec.String() != "custom DiT (DiT-Tiny/4 resized)" {
			t.Errorf("%s: reported as %q, want it custom", name, spec)
		}
	}
	if c, _ := parseTrainFlags(nil, io.Discard); c.custom() || c.modelSpec.String() != "DiT-Mini/4" {
		t.Errorf("the default model is reported as %q", c.modelSpec)
	}
	for _, bad := range [][]string{{"-model", ""}, {"-model", "DiT-Q/3"}, {"-depth", "-1"}} {
		if _, err := parseTrainFlags(bad, io.Discard); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("train %q: error %v, want one naming %s", bad, err, bad[0])
		}
		if _, err := parseBenchFlags(bad, io.Discard); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("bench %q: error %v, want one naming %s", bad, err, bad[0])
		}
	}
}

// Every float flag refuses NaN and ±Inf before any work starts.
func TestFloatFlagsMustBeNumbers(t *testing.T) {
	for _, flag := range []string{"-lr", "-wd", "-ema", "-cfg"} {
		for _, v := range []string{"NaN", "+Inf", "-Inf"} {
			_, err := parseTrainFlags([]string{flag, v}, io.Discard)
			if err == nil || !strings.HasPrefix(err.Error(), flag+" ") {
				t.Errorf("%s %s: error %v, want one naming the flag", flag, v, err)
			}
		}
	}
}

// eval and sample take their defaults from the training config saved in
// the checkpoint; a flag that is given wins, even at the training default;
// a checkpoint without a training config gets the training defaults.
func TestEvalAndSampleDefaults(t *testing.T) {
	out := tinyCheckpoint(t, "-sample-steps", "7", "-cfg", "1.5", "-seed", "9", "-eval-samples", "20")
	ckpt := checkpointPath(out)
	saved, _, err := loadRunConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseEvalFlags([]string{"-ckpt", ckpt}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c := a.cfg; c.SampleSteps != 7 || c.CFGScale != 1.5 || c.Seed != 9 || c.EvalSamples != 20 || c.Data != saved.Data || a.classifier != filepath.Join(out, "classifier.safetensors") {
		t.Errorf("eval settings %+v, want the run's", a)
	}
	d := defaultConfig()
	a, err = parseEvalFlags([]string{"-ckpt", ckpt, "-steps", itoa(d.SampleSteps), "-seed", "1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if a.cfg.SampleSteps != d.SampleSteps || a.cfg.Seed != 1 || a.cfg.CFGScale != 1.5 {
		t.Errorf("eval with -steps %d -seed 1: %+v", d.SampleSteps, a.cfg)
	}
	s, err := parseSampleFlags([]string{"-ckpt", ckpt}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.SampleSteps != 7 || s.cfg.CFGScale != 1.5 || s.cfg.Seed != 9 || s.sampler != "ddim" {
		t.Errorf("sample settings %+v, want the run's", s)
	}

	// A model saved alone has no training config.
	alone := filepath.Join(t.TempDir(), "alone.safetensors")
	mc, _ := dit.Named("DiT-Micro/4")
	m, err := dit.New(tensor.NewCPU(), mc)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if err := m.Save(alone); err != nil {
		t.Fatal(err)
	}
	s, err = parseSampleFlags([]string{"-ckpt", alone, "-cfg", "3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.SampleSteps != d.SampleSteps || s.cfg.Seed != d.Seed || s.cfg.CFGScale != 3 {
		t.Errorf("sample of a model without a training config: %+v, want the training defaults with -cfg 3", s.cfg)
	}
}
