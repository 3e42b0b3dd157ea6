package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// The U-Net baseline trains with every output of a DiT run: a run of 4
// steps extended to 8 with -resume logs the same losses, bit for bit, as a
// run of 8 steps (with dropout, whose masks the resumed run must draw
// again from the saved stream); its checkpoint says it holds a U-Net with
// that dropout, and sample and eval read it back.
func TestUNetRun(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 12)
	args := func(out string, steps int) []string {
		return []string{"-model", "UNet-S", "-data", data, "-out", out, "-batch", "2", "-steps", itoa(steps),
			"-ckpt-every", "2", "-log-every", "1", "-sample-every", "0", "-eval-every", "-1", "-sample-steps", "2",
			"-device", "cpu", "-lr", "1e-3", "-warmup", "1", "-lr-schedule", "constant", "-dropout", "0.2"}
	}
	_, split := checkResumeExact(t, dir, 4, args)
	ckpt := checkpointPath(split)
	f, err := nn.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := unet.ParseConfig(f.Metadata[unet.ConfigKey]); err != nil || c.Dropout != 0.2 {
		t.Errorf("the checkpoint's U-Net config %+v (%v), want dropout 0.2", c, err)
	}
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

// A public U-Net state dict (no config, no null label row) samples with
// the head count and image side given, without guidance; without them,
// or with guidance, sample says what to give.
func TestSamplePublicUNet(t *testing.T) {
	dir := t.TempDir()
	c := unet.Config{InputSize: 16, Channels: 3, Classes: 4, LearnSigma: true, Base: 32, Mult: []int{1, 2},
		ResBlocks: 1, AttnDS: []int{2}, HeadChannels: 32, Groups: 32}
	m, err := unet.New(tensor.NewCPU(), c)
	if err != nil {
		t.Fatal(err)
	}
	m.Init(3)
	ts, err := m.Params.Tensors("")
	m.Release()
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(dir, "public.safetensors")
	if err := nn.WriteFile(pub, ts, nil); err != nil {
		t.Fatal(err)
	}
	sample := func(extra ...string) (string, error) {
		var out bytes.Buffer
		args := append([]string{"sample", "-ckpt", pub, "-steps", "2", "-png", filepath.Join(dir, "s.png"), "-overwrite", "-device", "cpu"}, extra...)
		err := dispatch(args, &out, &out)
		return out.String(), err
	}
	if _, err := sample("-image-size", "16", "-cfg", "1"); err == nil || !strings.Contains(err.Error(), "-heads") {
		t.Errorf("without -heads: %v", err)
	}
	if _, err := sample("-heads", "2", "-cfg", "1"); err == nil || !strings.Contains(err.Error(), "-image-size") {
		t.Errorf("without -image-size: %v", err)
	}
	if _, err := sample("-heads", "2", "-image-size", "16", "-cfg", "2"); err == nil || !strings.Contains(err.Error(), "-cfg 1") {
		t.Errorf("with guidance: %v", err)
	}
	if out, err := sample("-heads", "2", "-image-size", "16", "-cfg", "1"); err != nil || !strings.Contains(out, "4 samples") {
		t.Errorf("sampling the public checkpoint: %v\n%s", err, out)
	}
}
