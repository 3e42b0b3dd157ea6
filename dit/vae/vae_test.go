package vae_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/internal/fixture"
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

// loadedModel builds a VAE of config c on dev with the weights of f under
// "vae.", and releases it when the test ends.
func loadedModel(t *testing.T, dev tensor.Device, c vae.Config, f *nn.File) *vae.Model {
	t.Helper()
	m, err := vae.New(dev, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Release)
	if err := m.Load(f, "vae."); err != nil {
		t.Fatal(err)
	}
	return m
}

// The encoder and decoder against PyTorch (testdata/vae_torch.py) on every
// device: the latent mean and log-variance of an image batch, and the
// decoding of a latent batch, within 1e-4 (fixture.Report).
func TestParity(t *testing.T) {
	f, c := loadFixture(t)
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		m := loadedModel(t, dev, c, f)
		checkOutputs(t, dev, m, f, 1e-4)
	})
}

// checkOutputs runs m on the fixture's x and z and compares the mean,
// log-variance and decoding with fixture.Report: each element's error
// relative to its |value| + the rms of the result, at most tol.
func checkOutputs(t *testing.T, dev tensor.Device, m *vae.Model, f *nn.File, tol float64) {
	t.Helper()
	g := autograd.NewGraph()
	defer g.Release()
	mean, logvar := m.Encode(g, g.Const(g.Own(fixture.Upload(t, dev, f, "x"))))
	decoded := m.Decode(g, g.Const(g.Own(fixture.Upload(t, dev, f, "z"))))
	for _, o := range []struct {
		name string
		got  *autograd.Var
	}{{"mean", mean}, {"logvar", logvar}, {"decoded", decoded}} {
		want := fixture.Get(t, f, o.name)
		if !slices.Equal(o.got.Value.Shape(), want.Shape) {
			t.Fatalf("%s: shape %v, want %v", o.name, o.got.Value.Shape(), want.Shape)
		}
		fixture.Report(t, o.name, o.got.Value, want, tol)
	}
}

// The same weights under diffusers' older attention names (query, key,
// value, proj_attn) load to the same model.
func TestLoadOldAttentionNames(t *testing.T) {
	f, c := loadFixture(t)
	old := &nn.File{Metadata: f.Metadata}
	renamed := 0
	for _, x := range f.Tensors {
		for _, n := range [][2]string{{".to_q.", ".query."}, {".to_k.", ".key."}, {".to_v.", ".value."}, {".to_out.0.", ".proj_attn."}} {
			if strings.HasPrefix(x.Name, "vae.") && strings.Contains(x.Name, n[0]) {
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
	m := loadedModel(t, dev, c, old)
	checkOutputs(t, dev, m, f, 1e-4)
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

// formulaWeights sets every parameter of m as gen_sd_fixture.py does:
// s_j = sin(0.37·j + len(name)); GroupNorm scales 1 + 0.1·s_j, other
// biases 0.1·s_j, weights s_j·√(3/fan-in).
func formulaWeights(m *vae.Model) {
	for _, p := range m.Params.All() {
		shape := p.Var.Value.Shape()
		n := p.Var.Value.Numel()
		data := make([]float32, n)
		for j := range data {
			s := math.Sin(0.37*float64(j) + float64(len(p.Name)))
			switch {
			case strings.Contains(p.Name, "norm") && strings.HasSuffix(p.Name, ".weight"):
				data[j] = float32(1 + 0.1*s)
			case strings.HasSuffix(p.Name, ".bias"):
				data[j] = float32(0.1 * s)
			default:
				data[j] = float32(s * math.Sqrt(3/float64(n/shape[0])))
			}
		}
		p.Var.Value.Device().WriteFloat32(p.Var.Value.Buffer(), data)
	}
}

// The full-size Stable Diffusion VAE against PyTorch on every device, with
// weights both sides compute from a formula (gen_sd_fixture.py): the mean
// and log-variance of two 32×32 images and the decoding of a 4×4 latent,
// which PyTorch computed in float64. The float32 devices must come within
// 2e-3 (fixture.Report: relative to |value| + rms; the reference device's
// plain float32 loops reach 1.1e-3, the fast CPU's blocked sums 3.7e-4),
// the float64 reference device within 1e-6: the architecture exactly, up
// to rounding.
func TestParitySD(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the full-size VAE in -short mode")
	}
	f, err := nn.ReadFile("testdata/parity_vae_sd.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	c, err := vae.ParseConfig(f.Metadata["vae_config"])
	if err != nil {
		t.Fatal(err)
	}
	if c.Channels[3] != vae.SD().Channels[3] || c.LayersPerBlock != vae.SD().LayersPerBlock {
		t.Fatalf("the fixture's config %+v is not SD's", c)
	}
	run := func(t *testing.T, dev tensor.Device, tol float64) {
		m, err := vae.New(dev, c)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		formulaWeights(m)
		checkOutputs(t, dev, m, f, tol)
	}
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) { run(t, dev, 2e-3) })
	t.Run("cpu-float64", func(t *testing.T) { run(t, tensor.NewCPU64(), 1e-6) })
}

// The fixture's weights in float16 with diffusers' names
// (testdata/vae_f16.safetensors) load through ReadFile, and encode and
// decode within 3e-3 of the float32 model (fixture.Report): a few of
// float16's roundings of the weights, 2⁻¹¹ of each.
func TestReadFileF16(t *testing.T) {
	f, _ := loadFixture(t)
	half, err := nn.ReadFile("testdata/vae_f16.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := half.Get("decoder.conv_out.weight"); x.DType != "F16" {
		t.Fatalf("decoder.conv_out.weight is %s, want F16", x.DType)
	}
	dev := tensor.NewCPU()
	m, err := vae.ReadFile(dev, "testdata/vae_f16.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	checkOutputs(t, dev, m, f, 3e-3)
}

// The gradient through the decoder against PyTorch's on every device, for
// loss = Σ decoded·w with the fixture's w: with respect to the latent and
// to a parameter of each kind of layer (convolutions, attention, GroupNorm,
// upsampling, the shortcut, a bias), within 1e-4 (fixture.Report).
func TestDecoderGradient(t *testing.T) {
	f, c := loadFixture(t)
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		m := loadedModel(t, dev, c, f)
		z := autograd.Param(fixture.Upload(t, dev, f, "z"))
		defer z.Value.Release()
		g := autograd.NewGraph()
		defer g.Release()
		g.Backward(g.SumAll(g.Mul(m.Decode(g, z), g.Const(g.Own(fixture.Upload(t, dev, f, "loss_weight"))))))
		defer z.Grad.Release()
		checked := 0
		for _, x := range f.Tensors {
			name, ok := strings.CutPrefix(x.Name, "grad.")
			if !ok {
				continue
			}
			v := z
			if name != "z" {
				p, ok := m.Params.Get(name)
				if !ok {
					t.Fatalf("the model has no parameter %q", name)
				}
				v = p.Var
			}
			fixture.Report(t, "gradient of "+name, v.Grad, x, 1e-4)
			checked++
		}
		if checked != 8 {
			t.Errorf("checked %d gradients, want 8", checked)
		}
	})
}
