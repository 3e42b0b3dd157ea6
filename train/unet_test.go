package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// The U-Net baseline trains with every output of a DiT run: a run of 4
// steps extended to 8 with -resume logs the same losses, bit for bit, as a
// run of 8 steps; its checkpoint says it holds a U-Net, and sample and
// eval read it back.
func TestUNetRun(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 12)
	args := func(out string, steps int) []string {
		return []string{"-model", "UNet-S", "-data", data, "-out", out, "-batch", "2", "-steps", itoa(steps),
			"-ckpt-every", "2", "-log-every", "1", "-sample-every", "0", "-eval-every", "-1", "-sample-steps", "2",
			"-device", "cpu", "-lr", "1e-3", "-warmup", "1", "-lr-schedule", "constant"}
	}
	whole, split := filepath.Join(dir, "whole"), filepath.Join(dir, "split")
	if err := run(t, args(whole, 8)...); err != nil {
		t.Fatal(err)
	}
	if err := run(t, args(split, 4)...); err != nil {
		t.Fatal(err)
	}
	if err := run(t, "-resume", split, "-steps", "8", "-device", "cpu"); err != nil {
		t.Fatal(err)
	}
	a, b := losses(t, whole), losses(t, split)
	if len(a) != 8 || len(b) != 8 {
		t.Fatalf("%d and %d logged steps, want 8 each", len(a), len(b))
	}
	for s := 1; s <= 8; s++ {
		if a[s] != b[s] {
			t.Errorf("step %d: loss %v uninterrupted, %v resumed", s, a[s], b[s])
		}
	}
	ckpt := checkpointPath(split)
	png := filepath.Join(dir, "digits.png")
	var out bytes.Buffer
	if err := dispatch([]string{"sample", "-ckpt", ckpt, "-steps", "2", "-png", png, "-classes", "1,2", "-device", "cpu"}, &out, &out); err != nil {
		t.Fatalf("sample: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "wrote "+png) {
		t.Errorf("sample printed %q", out.String())
	}
	out.Reset()
	if err := dispatch([]string{"eval", "-ckpt", ckpt, "-data", data, "-samples", "4", "-steps", "2", "-device", "cpu"}, &out, &out); err != nil {
		t.Fatalf("eval: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "cond-acc") {
		t.Errorf("eval printed %q", out.String())
	}
	// A DiT run cannot resume a U-Net checkpoint's folder as its own model:
	// the config in the checkpoint decides the model, whatever -model says.
	if err := run(t, "-resume", split, "-model", "DiT-Mini/4"); err == nil || !strings.Contains(err.Error(), "-model cannot be given with -resume") {
		t.Errorf("-resume with -model: %v", err)
	}
}
