package unet_test

import (
	"math"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit/internal/fixture"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// The parity fixture is written by testdata/gen_fixtures.py from an
// independent PyTorch U-Net (testdata/unet_torch.py) with the DiT's
// diffusion code: the forward pass, the hybrid loss and every gradient,
// three AdamW steps, and a 10-step DDIM sample with guidance 4. The U-Net
// is rebuilt from the fixture's config and weights on every device and
// compared at the DiT's tolerances (fixture.Check).
func TestParity(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		f, m := loadFixture(t, dev, "testdata/parity_unet.safetensors")
		if n := len(m.Params.All()); n != len(paramsIn(f)) {
			t.Errorf("the model has %d parameters, the fixture %d", n, len(paramsIn(f)))
		}
		fixture.Check(t, dev, f, m, m.Params, keysAsMoved(t, m.Config))
	})
}

// TestParityRectifiedFlow checks the rectified-flow loss, gradients, AdamW
// steps and Euler and Heun trajectories of a U-Net without a learned
// variance against testdata/gen_rf_fixtures.py (fixture.CheckFlow), on
// every device.
func TestParityRectifiedFlow(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		f, m := loadFixture(t, dev, "testdata/parity_unet_rf.safetensors")
		fixture.CheckFlow(t, dev, f, m, m.Params, keysAsMoved(t, m.Config))
	})
}

// loadFixture builds the U-Net of a fixture's config on dev with the
// fixture's initial weights. When the test ends it frees the model and
// fails the test if any buffer leaked.
func loadFixture(t *testing.T, dev tensor.Device, path string) (*nn.File, *unet.Model) {
	t.Helper()
	f, err := nn.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := unet.ParseConfig(f.Metadata[unet.ConfigKey])
	if err != nil {
		t.Fatal(err)
	}
	live := dev.LiveBuffers()
	m, err := unet.New(dev, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Release()
		if n := dev.LiveBuffers(); n != live {
			t.Errorf("%d buffers leaked", n-live)
		}
	})
	if err := m.Params.Load(f, "param."); err != nil {
		t.Fatal(err)
	}
	return f, m
}

// keysAsMoved is the AdamW comparison's adjustment of the attention
// blocks' qkv biases (keyBiasAsMoved).
func keysAsMoved(t *testing.T, c unet.Config) fixture.AdamAdjust {
	return func(name string, got *tensor.Tensor, want nn.Tensor) nn.Tensor {
		if strings.HasSuffix(name, ".qkv.bias") {
			return keyBiasAsMoved(t, got, want, c.HeadChannels)
		}
		return want
	}
}

// keyBiasAsMoved returns the fixture's qkv bias after the AdamW steps with
// the keys' part replaced by the engine's, when the two are within 3·lr.
// Adding a bias to every key adds q·b to a whole row of scores, which the
// softmax ignores, so the keys' bias has no gradient but rounding noise, on
// both sides different; AdamW divides by √v and turns such noise into
// steps of about lr, in a direction that is the noise's sign. Three steps
// move it by at most 3·lr (and weight decay's lr·wd·|b|) either way; the
// rest of the bias is compared as usual.
func keyBiasAsMoved(t *testing.T, got *tensor.Tensor, want nn.Tensor, ch int) nn.Tensor {
	t.Helper()
	g, err := got.ToHost()
	if err != nil {
		t.Fatal(err)
	}
	out := want
	out.Data = append([]float32(nil), want.Data...)
	for i := range out.Data {
		if (i/ch)%3 == 1 && math.Abs(float64(g[i]-out.Data[i])) <= 3.1e-3 { // head·3·ch + 1·ch + c: a key
			out.Data[i] = g[i]
		}
	}
	return out
}

// paramsIn lists the fixture's parameter tensors.
func paramsIn(f *nn.File) []string {
	var names []string
	for _, x := range f.Tensors {
		if strings.HasPrefix(x.Name, "param.") {
			names = append(names, x.Name)
		}
	}
	return names
}
