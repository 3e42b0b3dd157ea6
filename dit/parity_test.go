package dit_test

import (
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/internal/fixture"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// The parity fixtures are written by testdata/gen_fixtures.py, an
// independent PyTorch DiT (testdata/dit_torch.py): see that script for what
// each stage records. TestParity rebuilds every stage in Go, on every device
// (the reference CPU, the fast CPU and Vulkan), and compares
// (fixture.Check, at fixture's tolerances).
var fixtures = []string{"testdata/parity_sigma.safetensors", "testdata/parity_nosigma.safetensors"}

// TestParityRectifiedFlow checks the rectified-flow objective and its
// samplers against testdata/gen_rf_fixtures.py (fixture.CheckFlow), on
// every device.
func TestParityRectifiedFlow(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		f, err := nn.ReadFile("testdata/parity_rf.safetensors")
		if err != nil {
			t.Fatal(err)
		}
		live := dev.LiveBuffers()
		m := load(t, dev, f)
		fixture.CheckFlow(t, dev, f, m, m.Params, nil)
		m.Release()
		if n := dev.LiveBuffers(); n != live {
			t.Errorf("%d buffers leaked", n-live)
		}
	})
}

func TestParity(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		for _, path := range fixtures {
			t.Run(strings.TrimSuffix(strings.TrimPrefix(path, "testdata/parity_"), ".safetensors"), func(t *testing.T) {
				checkParity(t, dev, path)
			})
		}
	})
}

func checkParity(t *testing.T, dev tensor.Device, path string) {
	f, err := nn.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	live := dev.LiveBuffers()
	m := load(t, dev, f)
	defer func() {
		m.Release()
		if n := dev.LiveBuffers(); n != live {
			t.Errorf("%d buffers leaked", n-live)
		}
	}()
	fixture.Check(t, dev, f, m, m.Params, nil)
}

func load(t *testing.T, dev tensor.Device, f *nn.File) *dit.Model {
	t.Helper()
	c, err := dit.ParseConfig(f.Metadata[dit.ConfigKey])
	if err != nil {
		t.Fatal(err)
	}
	m, err := dit.New(dev, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Params.Load(f, "param."); err != nil {
		t.Fatal(err)
	}
	return m
}
