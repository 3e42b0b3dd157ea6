package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// The step-memory estimate against the device's own peak of real steps, on
// models small enough for a test (DiTs and U-Nets), with and without
// checkpointing.
func TestStepMemoryEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the step-memory measurements in -short mode")
	}
	for _, c := range []struct {
		model      string
		batch      int
		checkpoint bool
	}{
		{"DiT-Tiny/4", 64, false}, {"DiT-Tiny/4", 64, true}, {"DiT-Mini/4", 16, false}, {"DiT-Tiny/2", 16, false}, {"DiT-Tiny/2", 16, true},
	} {
		m, _ := dit.Named(c.model)
		bc := benchConfig{Batch: c.batch, Steps: 1, Warmup: 1, GradCheckpoint: c.checkpoint}
		r, err := benchSteps(fastcpu.New(), netConfig{DiT: &m}, bc, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		est := stepBytes(m, c.batch, c.checkpoint, false) / (1 << 20)
		t.Logf("%s b%d checkpoint %v: measured %.1f MiB, estimated %.1f MiB (%.2f)", c.model, c.batch, c.checkpoint, r.PeakMiB, est, est/r.PeakMiB)
		if est < 0.9*r.PeakMiB || est > 1.15*r.PeakMiB {
			t.Errorf("%s b%d checkpoint %v: estimated %.1f MiB, measured %.1f MiB", c.model, c.batch, c.checkpoint, est, r.PeakMiB)
		}
	}
	for _, c := range []struct {
		model      string
		batch      int
		checkpoint bool
	}{{"UNet-S", 8, false}, {"UNet-S", 8, true}, {"UNet-B", 4, false}} {
		u, err := unet.Named(c.model)
		if err != nil {
			t.Fatal(err)
		}
		nc := netConfig{UNet: &u}
		bc := benchConfig{Batch: c.batch, Steps: 1, Warmup: 1, GradCheckpoint: c.checkpoint}
		r, err := benchSteps(fastcpu.New(), nc, bc, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		est := nc.stepEstimate(c.batch, false)(c.checkpoint) / (1 << 20)
		t.Logf("%s b%d checkpoint %v: measured %.1f MiB, estimated %.1f MiB (%.2f)", c.model, c.batch, c.checkpoint, r.PeakMiB, est, est/r.PeakMiB)
		if est < 0.9*r.PeakMiB || est > 1.15*r.PeakMiB {
			t.Errorf("%s b%d checkpoint %v: estimated %.1f MiB, measured %.1f MiB", c.model, c.batch, c.checkpoint, est, r.PeakMiB)
		}
	}
	for _, c := range []struct {
		model      string
		batch      int
		checkpoint bool
		measured   float64 // MiB, bench's peak device memory on the project's machine
	}{
		{"DiT-S/2", 32, false, 7526}, {"DiT-S/2", 32, true, 1447}, {"DiT-XL/2", 8, true, 11281},
	} {
		m, _ := dit.Named(c.model)
		est := stepBytes(m, c.batch, c.checkpoint, false) / (1 << 20)
		t.Logf("%s b%d checkpoint %v: measured %.0f MiB, estimated %.0f MiB (%.2f)", c.model, c.batch, c.checkpoint, c.measured, est, est/c.measured)
	}
}

// A step that does not fit is refused with the numbers and, where it would
// fit, the advice to checkpoint.
func TestHostMemoryAdvice(t *testing.T) {
	m, _ := dit.Named("DiT-S/2")
	est := netConfig{DiT: &m}.stepEstimate(32, true)
	with, without := stepBytes(m, 32, true, true), stepBytes(m, 32, false, true)
	if err := fitsInMemory(int64(without)+1, est, 32, false); err != nil {
		t.Errorf("a step that fits: %v", err)
	}
	err := fitsInMemory(int64(with)+1, est, 32, false)
	if err == nil || !strings.Contains(err.Error(), "-grad-checkpoint needs about") {
		t.Errorf("a step that fits only with checkpointing: %v", err)
	}
	err = fitsInMemory(int64(with)-1, est, 32, false)
	if err == nil || !strings.Contains(err.Error(), "even -grad-checkpoint would not fit") {
		t.Errorf("a step that does not fit at all: %v", err)
	}
}

// A run whose step cannot fit is refused before its folder is made.
func TestHostMemoryRefusalTouchesNothing(t *testing.T) {
	if _, ok := availableMemory(); !ok {
		t.Skip("no /proc/meminfo: the trainer checks no memory here")
	}
	data, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	writeTinyMNIST(t, data, 30)
	args := append(tinyArgs(data, out, 2), "-batch", "40000", "-hidden", "512", "-depth", "96", "-heads", "8") // about 1.5 TB
	err := run(t, args...)
	if err == nil || !strings.Contains(err.Error(), "a training step of this model needs about") {
		t.Fatalf("error %v, want the host-memory refusal", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused run made %s (%v)", out, err)
	}
}
