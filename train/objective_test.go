package main

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// A rectified-flow run trains a model without a learned variance, records
// its objective in the checkpoint, resumes exactly (its noise levels come
// from the saved host stream), and samples with its own samplers only.
func TestRectifiedFlowRun(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 30)
	whole, _ := checkResumeExact(t, dir, 4, func(out string, steps int) []string {
		return append(tinyArgs(data, out, steps), "-objective", "rf", "-rf-mean", "0.5", "-lr-schedule", "constant")
	})

	ckpt := checkpointPath(whole)
	f, err := nn.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := dit.ParseConfig(f.Metadata[dit.ConfigKey])
	if err != nil {
		t.Fatal(err)
	}
	var cfg config
	if err := json.Unmarshal([]byte(f.Metadata[keyTrainConfig]), &cfg); err != nil {
		t.Fatal(err)
	}
	if f.Metadata[keyObjective] != "rf" || cfg.Objective != "rf" || cfg.RFMean != 0.5 || mc.LearnSigma {
		t.Errorf("checkpoint: objective %q, config %q (rf-mean %v), learned variance %v; want rf, rf (0.5), none",
			f.Metadata[keyObjective], cfg.Objective, cfg.RFMean, mc.LearnSigma)
	}

	// Its samplers, and the others refused by name.
	for _, sampler := range []string{"", "euler", "heun"} {
		args := quickSample(ckpt, "-png", filepath.Join(dir, "s.png"), "-overwrite")
		if sampler != "" {
			args = append(args, "-sampler", sampler)
		}
		if err := run(t, args...); err != nil {
			t.Errorf("-sampler %q: %v", sampler, err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{quickSample(ckpt, "-sampler", "ddim"), "euler or heun"},
		{quickSample(ckpt, "-clip"), "-clip"},
		{quickSample(ckpt, "-rf-shift", "NaN"), "-rf-shift NaN"},
		{[]string{"eval", "-ckpt", ckpt, "-sampler", "ddpm"}, "euler or heun"},
	} {
		if _, err := dispatchOutput(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one that mentions %q", c.args, err, c.want)
		}
	}
	out, err := dispatchOutput("eval", "-ckpt", ckpt, "-samples", "4", "-sampler", "heun", "-steps", "2", "-device", "cpu")
	if err != nil || !strings.Contains(out, "with heun-2") {
		t.Errorf("eval -sampler heun: %v\n%s", err, out)
	}

	// A diffusion model with a learned variance is not a velocity model.
	diff := filepath.Join(dir, "diffusion")
	if err := run(t, tinyArgs(data, diff, 2)...); err != nil {
		t.Fatal(err)
	}
	if _, err := dispatchOutput(quickSample(checkpointPath(diff), "-objective", "rf")...); err == nil || !strings.Contains(err.Error(), "2×1 channels") {
		t.Errorf("a diffusion checkpoint sampled as rf: %v", err)
	}
	if _, err := dispatchOutput(quickSample(checkpointPath(diff), "-sampler", "heun")...); err == nil || !strings.Contains(err.Error(), "ddim or ddpm") {
		t.Errorf("a diffusion checkpoint sampled with heun: %v", err)
	}
}

// Every rectified-flow setting is checked before any work.
func TestObjectiveFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-objective", "score"}, `-objective "score"`},
		{[]string{"-objective", "rf", "-rf-std", "0"}, "-rf-std 0"},
		{[]string{"-objective", "rf", "-rf-mean", "NaN"}, "-rf-mean NaN"},
		{[]string{"-objective", "rf", "-rf-shift", "-1"}, "-rf-shift -1"},
		{[]string{"-objective", "rf", "-sampler", "ddpm"}, "euler or heun"},
		{[]string{"-sampler", "heun"}, "ddim or ddpm"},
		{[]string{"-sampler", "rk4"}, `-sampler "rk4"`},
	} {
		if _, err := parseTrainFlags(c.args, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one that mentions %q", c.args, err, c.want)
		}
	}
	c, err := parseTrainFlags([]string{"-objective", "rf", "-sampler", "heun"}, nil)
	if err != nil || c.sampler() != "heun" || c.learnSigma() {
		t.Errorf("-objective rf -sampler heun: sampler %q, learned variance %v, %v", c.sampler(), c.learnSigma(), err)
	}
	if d := defaultConfig(); d.sampler() != "ddim" || !d.learnSigma() {
		t.Errorf("defaults: sampler %q, learned variance %v; want ddim and a learned variance", d.sampler(), d.learnSigma())
	}
}

// A model saved without a training config (a converted public DiT) is a
// diffusion model, unless its "objective" metadata says rf; -objective
// overrides either.
func TestObjectiveOfBareCheckpoint(t *testing.T) {
	dir := t.TempDir()
	mc, _ := dit.Named("DiT-Micro/4")
	mc.LearnSigma = false
	m, err := dit.New(tensor.NewCPU(), mc)
	if err != nil {
		t.Fatal(err)
	}
	m.Init(1)
	bare := filepath.Join(dir, "bare.safetensors")
	err = m.Save(bare)
	m.Release()
	if err != nil {
		t.Fatal(err)
	}
	f, err := nn.ReadFile(bare)
	if err != nil {
		t.Fatal(err)
	}
	f.Metadata[keyObjective] = "rf"
	marked := filepath.Join(dir, "marked.safetensors")
	if err := nn.WriteFile(marked, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args               []string
		objective, sampler string
	}{
		{[]string{"-ckpt", bare}, "diffusion", "ddim"},
		{[]string{"-ckpt", bare, "-objective", "rf"}, "rf", "euler"},
		{[]string{"-ckpt", marked}, "rf", "euler"},
		{[]string{"-ckpt", marked, "-objective", "diffusion"}, "diffusion", "ddim"},
	} {
		a, err := parseSampleFlags(c.args, io.Discard)
		if err != nil || a.cfg.Objective != c.objective || a.sampler != c.sampler {
			t.Errorf("%v: objective %q, sampler %q, %v; want %s and %s", c.args, a.cfg.Objective, a.sampler, err, c.objective, c.sampler)
		}
	}
	png := filepath.Join(dir, "s.png")
	if err := run(t, quickSample(marked, "-png", png, "-sampler", "heun")...); err != nil {
		t.Errorf("sampling the marked model with heun: %v", err)
	}
}
