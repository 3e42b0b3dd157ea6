package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/tensor"
)

// The bench command times the steps it was asked for and derives img/s and
// GFLOP/s from the median with the documented formula.
func TestBenchCommand(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-model", "DiT-Micro/4", "-batch", "3", "-steps", "3", "-warmup", "1", "-device", "cpu", "-json"}
	if err := dispatch(append([]string{"bench"}, args...), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r benchResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	if len(r.StepMS) != 3 {
		t.Fatalf("%d timed steps, want 3", len(r.StepMS))
	}
	if r.MedianMS != median(r.StepMS) || r.MedianMS <= 0 {
		t.Errorf("median %v of %v", r.MedianMS, r.StepMS)
	}
	cfg, _ := dit.Named("DiT-Micro/4")
	if want := cfg.TrainFLOPs(3) / 1e9; r.StepGFLOP != want {
		t.Errorf("%v GFLOP per step, want %v", r.StepGFLOP, want)
	}
	if want := 3 / (r.MedianMS / 1e3); r.ImgPerS != want {
		t.Errorf("%v img/s, want %v", r.ImgPerS, want)
	}
	if r.Parameters == 0 || r.Device == "" {
		t.Errorf("result %+v", r)
	}
	// A step holds at least the weights, their gradients and AdamW's two
	// moments: four float32 copies of the parameters.
	if min := float64(16*r.Parameters) / (1 << 20); r.PeakMiB < min {
		t.Errorf("peak device memory %.2f MiB, below the %.2f MiB of weights, gradients and moments", r.PeakMiB, min)
	}
}

// bench times the U-Net baseline the same way, with its own FLOP count and
// parameters.
func TestBenchUNet(t *testing.T) {
	var out bytes.Buffer
	args := []string{"bench", "-model", "UNet-S", "-image-size", "8", "-channels", "2", "-batch", "2", "-steps", "2", "-warmup", "0", "-device", "cpu", "-json"}
	if err := dispatch(args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r benchResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	c, _ := unet.Named("UNet-S")
	c.InputSize, c.Channels = 8, 2
	m, err := unet.New(tensor.NewCPU(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if len(r.StepMS) != 2 || r.StepGFLOP != c.TrainFLOPs(2)/1e9 || r.Parameters != m.Params.Count() || !strings.Contains(r.Config, "base 32") {
		t.Errorf("result %+v, want 2 steps, %v GFLOP and %d parameters of UNet-S", r, c.TrainFLOPs(2)/1e9, m.Params.Count())
	}
}

func TestBenchModelConfig(t *testing.T) {
	bc, err := parseBenchFlags([]string{"-depth", "2", "-hidden", "64", "-heads", "2", "-image-size", "16", "-channels", "3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m, err := bc.modelConfig()
	if err != nil {
		t.Fatal(err)
	}
	if m.Depth != 2 || m.Hidden != 64 || m.Heads != 2 || m.Patch != 4 || m.InputSize != 16 || m.Channels != 3 || m.Classes != 10 {
		t.Errorf("custom config %+v", m)
	}
	bc, _ = parseBenchFlags([]string{"-model", "DiT-S/4"}, io.Discard)
	if m, _ = bc.modelConfig(); m.InputSize != 32 || m.Channels != 4 || m.Classes != 1000 {
		t.Errorf("DiT-S/4 keeps the paper's shape, got %+v", m)
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median of 5,1,3 = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of 4,1,3,2 = %v", m)
	}
}
