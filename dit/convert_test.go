package dit_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
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
	get := func(name string) nn.Tensor {
		x, ok := want.Get(name)
		if !ok {
			t.Fatalf("the fixture has no %q", name)
		}
		return x
	}
	x, ts, ys, out := get("x"), get("t"), get("y"), get("out")
	labels := make([]int32, len(ys.Data))
	for i, v := range ys.Data {
		labels[i] = int32(v)
	}
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
		got, err := m.Forward(g, g.Const(g.Own(tensor.FromSlice(dev, x.Data, x.Shape...))), ts.Data, labels).Value.ToHost()
		if err != nil {
			t.Fatal(err)
		}
		var top, worst float64
		for i, w := range out.Data {
			top = max(top, math.Abs(float64(w)))
			worst = max(worst, math.Abs(float64(got[i]-w)))
		}
		if !(worst <= 1e-4*top) {
			t.Errorf("output differs from PyTorch's by %.3g (%.3g of its largest value)", worst, worst/top)
		}
	})
}
