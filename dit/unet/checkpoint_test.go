package unet_test

import (
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// forward is the model's output on fixed inputs, on the host.
func forward(t *testing.T, m *unet.Model) []float32 {
	t.Helper()
	c := m.Config
	g := autograd.NewNoGradGraph()
	defer g.Release()
	x := make([]float32, 2*c.Channels*c.InputSize*c.InputSize)
	for i := range x {
		x[i] = float32(i%7)/3 - 1
	}
	xv := g.Const(g.Own(tensor.FromSlice(m.Device(), x, 2, c.Channels, c.InputSize, c.InputSize)))
	return m.Forward(g, xv, []float32{10, 700}, []int32{0, 2}).Value.Data()
}

// randomWeights sets every parameter to small random values, so that no
// layer is zero and a mixed-up tensor shows in the output.
func randomWeights(m *unet.Model, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	for _, p := range m.Params.All() {
		v := make([]float32, p.Var.Value.Numel())
		for i := range v {
			v[i] = float32(0.1 * r.NormFloat64())
		}
		nn.Set(p.Var.Value, v)
	}
}

// A saved U-Net loads back as the same model: its config from the
// metadata, every weight, the same output.
func TestSaveLoad(t *testing.T) {
	dev := tensor.NewCPU()
	m, err := unet.New(dev, small())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	randomWeights(m, 1)
	path := filepath.Join(t.TempDir(), "unet.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := unet.Load(dev, path, true, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Release()
	if !reflect.DeepEqual(back.Config, m.Config) {
		t.Errorf("config %+v, saved %+v", back.Config, m.Config)
	}
	if !reflect.DeepEqual(forward(t, back), forward(t, m)) {
		t.Error("the loaded model's output differs from the saved one's")
	}
}

// A public state dict carries no config: it is read from the shapes (with
// the heads and the image side given), and the model gives the same
// output as the one saved. Its label table's rows are all classes: the
// null row of the saved model reads as one more class, and no guidance.
func TestInferConfigFromShapes(t *testing.T) {
	dev := tensor.NewCPU()
	c := unet.Config{InputSize: 16, Channels: 3, Classes: 5, LearnSigma: true, ClassDropout: 0.1,
		Base: 32, Mult: []int{1, 2, 2}, ResBlocks: 2, AttnDS: []int{2, 4}, HeadChannels: 32, Groups: 32}
	m, err := unet.New(dev, c)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	randomWeights(m, 2)
	ts, err := m.Params.Tensors("")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "public.safetensors")
	if err := nn.WriteFile(path, ts, nil); err != nil { // no metadata, as a converted public checkpoint
		t.Fatal(err)
	}
	if _, err := unet.Load(dev, path, true, 0, 16); err == nil || !strings.Contains(err.Error(), "-heads") {
		t.Errorf("without heads: %v, want a request for -heads", err)
	}
	if _, err := unet.Load(dev, path, true, 2, 0); err == nil || !strings.Contains(err.Error(), "-image-size") {
		t.Errorf("without the image size: %v, want a request for -image-size", err)
	}
	back, err := unet.Load(dev, path, true, 2, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Release()
	want := c
	want.Classes, want.ClassDropout, want.HeadChannels, want.Heads = 6, 0, 0, 2
	if !reflect.DeepEqual(back.Config, want) {
		t.Errorf("inferred %+v, want %+v", back.Config, want)
	}
	if !reflect.DeepEqual(forward(t, back), forward(t, m)) {
		t.Error("the model read from shapes gives another output")
	}
}
