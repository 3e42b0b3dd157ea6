package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/nn"
)

// A checkpoint whose data bytes were damaged after it was saved is
// reported as corrupt, by resume and by sample, instead of loading.
func TestCorruptCheckpoint(t *testing.T) {
	out := tinyCheckpoint(t)
	path := checkpointPath(out)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-5] ^= 0x40 // a bit of the last weight
	os.WriteFile(path, b, 0o644)
	for _, args := range [][]string{
		{"-resume", out, "-steps", "6", "-device", "cpu"},
		{"sample", "-ckpt", path, "-device", "cpu", "-png", filepath.Join(t.TempDir(), "s.png")},
	} {
		_, err := dispatchOut(args...)
		if err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%v on a damaged checkpoint: %v, want it called corrupt", args, err)
		}
	}
}

// Weights that a diverging update made NaN, infinite, or finite but so
// large that the model's loss is NaN, are not saved.
func TestCheckpointOnlyFromSoundWeights(t *testing.T) {
	ts := []nn.Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1, 2}}, {Name: "b", Shape: []int{2}, Data: []float32{3, float32(math.Inf(1))}}}
	if err := checkFinite(ts, 7, "ck"); err == nil || !strings.Contains(err.Error(), "step 7: b holds +Inf") {
		t.Errorf("checkFinite with an Inf: %v", err)
	}
	if err := checkFinite(ts[:1], 7, "ck"); err != nil {
		t.Errorf("checkFinite of finite weights: %v", err)
	}

	data := t.TempDir()
	writeTinyMNIST(t, data, 12)
	out := filepath.Join(t.TempDir(), "run")
	_, err := dispatchOut(append(tinyArgs(data, out, 5), "-lr", "1e38", "-ckpt-every", "1")...)
	if err == nil || !strings.Contains(err.Error(), "not saving it") {
		t.Errorf("a run with -lr 1e38: %v, want a refusal to save", err)
	}
	if _, err := os.Stat(checkpointPath(out)); !os.IsNotExist(err) {
		t.Errorf("a checkpoint of diverged weights was saved: %v", err)
	}
}

// The check before each save runs the models on a probe batch with random
// streams of its own: a run that saves every step logs the same losses, bit
// for bit, as one that saves only at its end.
func TestSoundCheckLeavesTheRunAlone(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 30)
	every, end := filepath.Join(dir, "every"), filepath.Join(dir, "end")
	if err := run(t, append(tinyArgs(data, every, 8), "-ckpt-every", "1")...); err != nil {
		t.Fatal(err)
	}
	if err := run(t, append(tinyArgs(data, end, 8), "-ckpt-every", "0")...); err != nil {
		t.Fatal(err)
	}
	a, b := losses(t, every), losses(t, end)
	for s := 1; s <= 8; s++ {
		if a[s] != b[s] || a[s] == 0 {
			t.Errorf("step %d: loss %v saving every step, %v saving at the end", s, a[s], b[s])
		}
	}
}
