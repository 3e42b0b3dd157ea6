package dit_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/tensor"
)

// shapeDevice allocates nothing: it only remembers sizes, so that a DiT-XL
// (675M parameters) can be built to count its parameters. Any kernel other
// than Fill and WriteFloat32 panics through the nil embedded interface.
type shapeDevice struct{ tensor.Device }

type shapeBuffer struct {
	n     int
	dtype tensor.DType
}

func (b shapeBuffer) Len() int            { return b.n }
func (b shapeBuffer) DType() tensor.DType { return b.dtype }

func (shapeDevice) Name() string                                  { return "shapes only" }
func (shapeDevice) FloatType() tensor.DType                       { return tensor.Float32 }
func (shapeDevice) Alloc(dtype tensor.DType, n int) tensor.Buffer { return shapeBuffer{n, dtype} }
func (shapeDevice) Fill(tensor.Buffer, float32, int)              {}
func (shapeDevice) WriteFloat32(tensor.Buffer, []float32)         {}

// The twelve configs of the paper, counted with pos_embed, must match the
// counts of an independent PyTorch build (testdata/param_counts.py, whose
// DiT-XL/2 count is the published 675,129,632).
func TestParamCounts(t *testing.T) {
	want := map[string]int{
		"DiT-S/2": 32963360, "DiT-S/4": 32945024, "DiT-S/8": 33148160,
		"DiT-B/2": 130512416, "DiT-B/4": 130475648, "DiT-B/8": 130881536,
		"DiT-L/2": 458102816, "DiT-L/4": 458053760, "DiT-L/8": 458594816,
		"DiT-XL/2": 675129632, "DiT-XL/4": 675074432, "DiT-XL/8": 675683072,
	}
	for name, n := range want {
		cfg, err := dit.Named(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := dit.New(shapeDevice{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Params.Count(); got != n {
			t.Errorf("%s: %d parameters, want %d", name, got, n)
		}
	}
}

// The checkpoint names are the public reference's state_dict keys.
func TestParamNames(t *testing.T) {
	cfg, _ := dit.Named("DiT-S/2")
	cfg.Depth = 1
	m, _ := dit.New(shapeDevice{}, cfg)
	var names []string
	for _, p := range m.Params.All() {
		names = append(names, p.Name)
	}
	want := "pos_embed x_embedder.proj.weight x_embedder.proj.bias t_embedder.mlp.0.weight t_embedder.mlp.0.bias " +
		"t_embedder.mlp.2.weight t_embedder.mlp.2.bias y_embedder.embedding_table.weight " +
		"blocks.0.attn.qkv.weight blocks.0.attn.qkv.bias blocks.0.attn.proj.weight blocks.0.attn.proj.bias " +
		"blocks.0.mlp.fc1.weight blocks.0.mlp.fc1.bias blocks.0.mlp.fc2.weight blocks.0.mlp.fc2.bias " +
		"blocks.0.adaLN_modulation.1.weight blocks.0.adaLN_modulation.1.bias " +
		"final_layer.adaLN_modulation.1.weight final_layer.adaLN_modulation.1.bias final_layer.linear.weight final_layer.linear.bias"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names:\n%s\nwant:\n%s", got, want)
	}
	if p, _ := m.Params.Get("x_embedder.proj.weight"); !slices.Equal(p.Var.Value.Shape(), []int{384, 4, 2, 2}) {
		t.Errorf("patch weight shape %v, want the Conv2d layout [384 4 2 2]", p.Var.Value.Shape())
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*dit.Config)
		want string
	}{
		{"heads", func(c *dit.Config) { c.Heads = 5 }, "multiple of the 5 heads"},
		{"patch", func(c *dit.Config) { c.Patch = 3 }, "not a multiple of the patch"},
		{"dropout", func(c *dit.Config) { c.ClassDropout = 1 }, "class dropout"},
		{"depth", func(c *dit.Config) { c.Depth = 0 }, "positive: depth 0, hidden 384"}, // the sizes by name, not a Go struct
	} {
		cfg, _ := dit.Named("DiT-S/2")
		c.edit(&cfg)
		if _, err := dit.New(shapeDevice{}, cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := dit.Named("DiT-M/2"); err == nil || !strings.Contains(err.Error(), "DiT-XL/8") {
		t.Errorf("unknown name: error %v should list the choices", err)
	}
}

// TestForwardFLOPs compares the FLOP count with the Gflops column of the
// DiT paper's Table 4 (Peebles & Xie 2023), which counts a multiply-add
// as one operation (so it is half of ForwardFLOPs for one image).
func TestForwardFLOPs(t *testing.T) {
	paper := map[string]float64{
		"DiT-S/2": 6.06, "DiT-S/4": 1.41, "DiT-S/8": 0.36,
		"DiT-B/2": 23.01, "DiT-B/4": 5.56, "DiT-B/8": 1.42,
		"DiT-L/2": 80.71, "DiT-L/4": 19.70, "DiT-L/8": 5.01,
		"DiT-XL/2": 118.64, "DiT-XL/4": 29.05, "DiT-XL/8": 7.39,
	}
	for name, want := range paper {
		cfg, err := dit.Named(name)
		if err != nil {
			t.Fatal(err)
		}
		got := cfg.ForwardFLOPs(1) / 2 / 1e9
		// The paper rounds to two decimals and its counter sees a few
		// small products (the embeddings' tables) differently.
		if math.Abs(got-want) > 0.005*want+0.005 {
			t.Errorf("%s: %.2f GFLOP (multiply-adds), the paper says %.2f", name, got, want)
		}
		if tr := cfg.TrainFLOPs(8); tr != 24*cfg.ForwardFLOPs(1) {
			t.Errorf("%s: TrainFLOPs(8) = %g, want 3·8·ForwardFLOPs(1)", name, tr)
		}
	}
}
