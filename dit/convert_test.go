package dit_test

import (
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/internal/fixture"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// A reference-code training checkpoint converted by tools/convert_official.py
// (testdata/gen_convert_fixture.py) loads with the config the script wrote
// and its EMA weights, and the model's output on a fixed input is
// PyTorch's, on every device.
func TestConvertedOfficialCheckpoint(t *testing.T) {
	want, err := nn.ReadFile("testdata/converted_dit_forward.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	ts, labels := fixture.Get(t, want, "t").Data, fixture.Labels(fixture.Get(t, want, "y").Data)
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		m, err := dit.Load(dev, "testdata/converted_dit.safetensors", true, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		if c := m.Config; c.Depth != 2 || c.Hidden != 32 || c.Heads != 4 || c.InputSize != 8 || c.Classes != 5 || !c.LearnSigma {
			t.Fatalf("config %+v: want the script's (depth 2, hidden 32, 4 heads, 8×8, 5 classes, learned variance)", c)
		}
		g := autograd.NewNoGradGraph()
		defer g.Release()
		out := m.Forward(g, g.Const(g.Own(fixture.Upload(t, dev, want, "x"))), ts, labels)
		fixture.Report(t, "forward", out.Value, fixture.Get(t, want, "out"), 1e-4)
	})
}
