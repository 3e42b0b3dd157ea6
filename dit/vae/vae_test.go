package vae_test

import (
	"math"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/vae"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// loadFixture reads testdata/parity_vae.safetensors (gen_fixtures.py): a
// small AutoencoderKL's weights under "vae.", its config, and the PyTorch
// encoder's and decoder's outputs.
func loadFixture(t *testing.T) (*nn.File, vae.Config) {
	t.Helper()
	f, err := nn.ReadFile("testdata/parity_vae.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	c, err := vae.ParseConfig(f.Metadata["vae_config"])
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

// The encoder and decoder against PyTorch (testdata/vae_torch.py) on every
// device: the latent mean and log-variance of an image batch, and the
// decoding of a latent batch, to 1e-4 of each result's largest value.
func TestParity(t *testing.T) {
	f, c := loadFixture(t)
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		m, err := vae.New(dev, c)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		if err := m.Load(f, "vae."); err != nil {
			t.Fatal(err)
		}
		checkOutputs(t, dev, m, f)
	})
}

// checkOutputs runs m on the fixture's x and z and compares.
func checkOutputs(t *testing.T, dev tensor.Device, m *vae.Model, f *nn.File) {
	t.Helper()
	input := func(name string) *tensor.Tensor {
		x, err := f.Expect(name, mustShape(t, f, name)...)
		if err != nil {
			t.Fatal(err)
		}
		return tensor.FromSlice(dev, x.Data, x.Shape...)
	}
	g := autograd.NewGraph()
	defer g.Release()
	mean, logvar := m.Encode(g, g.Const(g.Own(input("x"))))
	decoded := m.Decode(g, g.Const(g.Own(input("z"))))
	for name, got := range map[string]*autograd.Var{"mean": mean, "logvar": logvar, "decoded": decoded} {
		want, _ := f.Get(name)
		if !equalShape(got.Value.Shape(), want.Shape) {
			t.Fatalf("%s: shape %v, want %v", name, got.Value.Shape(), want.Shape)
		}
		data, err := got.Value.ToHost()
		if err != nil {
			t.Fatal(err)
		}
		var top, worst float64
		for i, w := range want.Data {
			top = max(top, math.Abs(float64(w)))
			worst = max(worst, math.Abs(float64(data[i]-w)))
		}
		t.Logf("%s: largest error %.3g of the largest value %.3g", name, worst/top, top)
		if !(worst <= 1e-4*top) {
			t.Errorf("%s differs from PyTorch by %.3g, %.3g of its largest value", name, worst, worst/top)
		}
	}
}

func mustShape(t *testing.T, f *nn.File, name string) []int {
	x, ok := f.Get(name)
	if !ok {
		t.Fatalf("the fixture has no %q", name)
	}
	return x.Shape
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The same weights under diffusers' older attention names (query, key,
// value, proj_attn) load to the same model.
func TestLoadOldAttentionNames(t *testing.T) {
	f, c := loadFixture(t)
	old := &nn.File{Metadata: f.Metadata}
	renamed := 0
	for _, x := range f.Tensors {
		for _, n := range [][2]string{{".to_q.", ".query."}, {".to_k.", ".key."}, {".to_v.", ".value."}, {".to_out.0.", ".proj_attn."}} {
			if strings.Contains(x.Name, n[0]) {
				x.Name = strings.Replace(x.Name, n[0], n[1], 1)
				renamed++
			}
		}
		old.Tensors = append(old.Tensors, x)
	}
	if renamed != 16 { // weight and bias of 4 layers in 2 middle blocks
		t.Fatalf("renamed %d tensors, want 16", renamed)
	}
	dev := tensor.NewCPU()
	m, err := vae.New(dev, c)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if err := m.Load(old, "vae."); err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, dev, m, f)
}

// A file that lacks a tensor, or has one of another shape, is refused with
// its name, and a bad config with what is wrong.
func TestLoadErrors(t *testing.T) {
	f, c := loadFixture(t)
	m, err := vae.New(tensor.NewCPU(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	missing := &nn.File{Metadata: f.Metadata}
	for _, x := range f.Tensors {
		if x.Name != "vae.decoder.conv_out.bias" {
			missing.Tensors = append(missing.Tensors, x)
		}
	}
	if err := m.Load(missing, "vae."); err == nil || !strings.Contains(err.Error(), `"vae.decoder.conv_out.bias"`) {
		t.Errorf("a missing tensor: %v, want an error that names vae.decoder.conv_out.bias", err)
	}
	small := c
	small.Channels = []int{8, 8}
	m2, err := vae.New(tensor.NewCPU(), small)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Release()
	if err := m2.Load(f, "vae."); err == nil || !strings.Contains(err.Error(), "has shape") {
		t.Errorf("a misshapen tensor: %v, want an error that gives the shapes", err)
	}
	bad := c
	bad.Groups = 3
	if _, err := vae.New(tensor.NewCPU(), bad); err == nil || !strings.Contains(err.Error(), "groups") {
		t.Errorf("8 channels in 3 groups: %v", err)
	}
}

// SD is the public VAE: built, it has the 83,653,863 parameters of
// stabilityai/sd-vae-ft-ema.
func TestSDParameters(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the full-size VAE in -short mode")
	}
	m, err := vae.New(tensor.NewCPU(), vae.SD())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if n := m.Params.Count(); n != 83653863 {
		t.Errorf("%d parameters, want 83653863", n)
	}
}
