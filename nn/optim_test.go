package nn_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

func twoParams(dev tensor.Device) *nn.Params {
	p := &nn.Params{}
	p.Add("w", autograd.Param(tensor.FromSlice(dev, []float32{1, -2, 3, 0.5}, 2, 2)))
	p.AddFrozen("table", autograd.Param(tensor.FromSlice(dev, []float32{9, 9}, 2)))
	return p
}

// EMA starts as a copy and then moves by (1 − decay) of the gap each
// update; frozen parameters are copied once and left alone.
func TestEMA(t *testing.T) {
	dev := tensor.NewCPU()
	p, avgs := twoParams(dev), twoParams(dev)
	tensor.Fill(avgs.All()[0].Var.Value, 100) // overwritten by the initial copy
	e, err := nn.NewEMA(p, avgs, 0.75)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := p.Get("w")
	tensor.Fill(w.Var.Value, 5)
	e.Update()
	avg, _ := avgs.Get("w")
	// 0.75·x + 0.25·5 for x = 1, −2, 3, 0.5
	if got := avg.Var.Value.Data(); !slices.Equal(got, []float32{2, -0.25, 3.5, 1.625}) {
		t.Errorf("EMA after one update: %v", got)
	}
	if tb, _ := avgs.Get("table"); !tb.Frozen || !slices.Equal(tb.Var.Value.Data(), []float32{9, 9}) {
		t.Errorf("frozen table in the EMA: %+v %v", tb, tb.Var.Value.Data())
	}
}

// AdamW's first step moves each weight by lr·sign(g) (when |g| ≫ ε); its
// moments survive a checkpoint round trip; frozen parameters are not
// trained.
func TestAdamWStepAndState(t *testing.T) {
	dev := tensor.NewCPU()
	p := twoParams(dev)
	opt := nn.NewAdamW(p, 0.1, 0)
	w, _ := p.Get("w")
	g := autograd.NewGraph()
	g.Backward(g.SumAll(g.Mul(w.Var, g.Const(g.Own(tensor.FromSlice(dev, []float32{1, -1, 2, -3}, 2, 2))))))
	g.Release()
	opt.Update()
	want := []float64{0.9, -1.9, 2.9, 0.6}
	for i, v := range w.Var.Value.Data() {
		if math.Abs(float64(v)-want[i]) > 1e-6 {
			t.Errorf("w[%d] = %v, want %v", i, v, want[i])
		}
	}
	state, err := opt.State()
	if err != nil {
		t.Fatal(err)
	}
	if len(state) != 2 || state[0].Name != "adam.m.w" || state[1].Name != "adam.v.w" {
		t.Fatalf("state %v: want adam.m.w and adam.v.w only (the table is frozen)", state)
	}
	path := filepath.Join(t.TempDir(), "s.safetensors")
	nn.WriteFile(path, state, nil)
	f, _ := nn.ReadFile(path)
	fresh := nn.NewAdamW(p, 0.1, 0)
	if err := fresh.LoadState(f); err != nil {
		t.Fatal(err)
	}
	again, _ := fresh.State()
	for i := range state {
		if !slices.Equal(state[i].Data, again[i].Data) {
			t.Errorf("%s differs after a round trip", state[i].Name)
		}
	}
}

// Loading checks names and shapes and loads nothing when anything is wrong.
func TestParamsLoadErrors(t *testing.T) {
	dev := tensor.NewCPU()
	p := twoParams(dev)
	dir := t.TempDir()
	write := func(name string, ts ...nn.Tensor) *nn.File {
		path := filepath.Join(dir, name)
		if err := nn.WriteFile(path, ts, nil); err != nil {
			t.Fatal(err)
		}
		f, err := nn.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	missing := write("a", nn.Tensor{Name: "w", Shape: []int{2, 2}, Data: []float32{0, 0, 0, 0}})
	if err := p.Load(missing, ""); err == nil || !strings.Contains(err.Error(), `"table"`) {
		t.Errorf("missing tensor: %v", err)
	}
	wrong := write("b", nn.Tensor{Name: "w", Shape: []int{4}, Data: []float32{0, 0, 0, 0}}, nn.Tensor{Name: "table", Shape: []int{2}, Data: []float32{1, 1}})
	if err := p.Load(wrong, ""); err == nil || !strings.Contains(err.Error(), "shape [4], want [2 2]") {
		t.Errorf("wrong shape: %v", err)
	}
	if w, _ := p.Get("w"); !slices.Equal(w.Var.Value.Data(), []float32{1, -2, 3, 0.5}) {
		t.Error("a failed load changed a parameter")
	}
	if p.Count() != 6 {
		t.Errorf("Count %d, want 6", p.Count())
	}
}
