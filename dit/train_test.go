package dit_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// overfit trains a small DiT on one fixed batch (images, noise, timesteps)
// and returns the first and last loss. A model that can learn drives it far
// down; a broken gradient anywhere does not.
func overfit(t *testing.T, dev tensor.Device, steps int) (first, last float32) {
	cfg, _ := dit.Named("DiT-Micro/4")
	m, err := dit.New(dev, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	m.Init(1)
	r := rand.New(rand.NewPCG(1, 2))
	const b = 8
	n := b * cfg.Channels * cfg.InputSize * cfg.InputSize
	x0 := make([]float32, n)
	for i := range x0 { // uniform noise images in [−1, 1]: the hardest to memorise
		x0[i] = float32(2*r.Float64() - 1)
	}
	ts := []int{0, 10, 100, 250, 400, 600, 800, 999}
	y := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	rng := tensor.RNG{Seed: 5}
	noise := rng.Normal(dev, b, cfg.Channels, cfg.InputSize, cfg.InputSize)
	defer noise.Release()
	sched := diffusion.LinearSchedule(diffusion.DefaultSteps)
	opt := nn.NewAdamW(m.Params, 2e-3, 0)
	defer opt.Release()
	for step := range steps {
		g := autograd.NewGraph()
		loss := diffusion.TrainingLoss(g, m, sched, x0, noise, ts, y)
		g.Backward(loss.Total)
		opt.Update()
		l, err := loss.Total.Value.Item()
		if err != nil {
			t.Fatal(err)
		}
		g.Release()
		if step == 0 {
			first = l
		}
		last = l
	}
	return first, last
}

func TestOverfit(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		first, last := overfit(t, dev, 60)
		t.Logf("%s: loss %.4f → %.4f after 60 steps (×%.3f)", dev.Name(), first, last, last/first)
		if !(last < 0.25*first) {
			t.Errorf("loss went from %.4f to %.4f; want below a quarter of the start", first, last)
		}
	})
}

// A saved model loads back identically, and a state dict without the
// config metadata (a converted public checkpoint) is understood from its
// shapes.
func TestCheckpointRoundTrip(t *testing.T) {
	tensortest.ForEachDevice(t, checkpointRoundTrip)
}

func checkpointRoundTrip(t *testing.T, dev tensor.Device) {
	cfg, _ := dit.Named("DiT-Micro/4")
	cfg.Heads = 4
	m, _ := dit.New(dev, cfg)
	defer m.Release()
	m.Init(3)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := dit.Load(dev, path, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Release()
	if back.Config != m.Config {
		t.Errorf("config %+v, want %+v", back.Config, m.Config)
	}
	for _, p := range m.Params.All() {
		q, _ := back.Params.Get(p.Name)
		if !slices.Equal(p.Var.Value.Data(), q.Var.Value.Data()) {
			t.Errorf("%s differs after a round trip", p.Name)
		}
	}

	// Without metadata: the shapes give everything but the head count.
	f, _ := nn.ReadFile(path)
	bare := filepath.Join(t.TempDir(), "bare.safetensors")
	nn.WriteFile(bare, f.Tensors, nil)
	if _, err := dit.Load(dev, bare, false, 0); err == nil {
		t.Error("a bare checkpoint with hidden size 64 loaded without a head count")
	}
	inferred, err := dit.Load(dev, bare, false, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer inferred.Release()
	if inferred.Config != m.Config {
		t.Errorf("inferred %+v, want %+v", inferred.Config, m.Config)
	}

	// A truncated file is an error that names the file.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)/2], 0o644)
	if _, err := dit.Load(dev, path, true, 0); err == nil {
		t.Error("a truncated checkpoint loaded")
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("the error for a truncated checkpoint does not name it: %v", err)
	}
}

// The untrained model outputs exactly zero (adaLN-Zero and the zeroed final
// layer), and label dropout replaces about a tenth of the labels with the
// null class.
func TestInitAndLabelDropout(t *testing.T) {
	dev := tensor.NewCPU()
	cfg, _ := dit.Named("DiT-Micro/4")
	m, _ := dit.New(dev, cfg)
	m.Init(1)
	g := autograd.NewNoGradGraph()
	x := g.Const(g.Own((&tensor.RNG{Seed: 1}).Normal(dev, 2, 1, 16, 16)))
	out := m.Forward(g, x, []float32{3, 700}, []int32{1, 10})
	for i, v := range out.Value.Data() {
		if v != 0 {
			t.Fatalf("untrained output[%d] = %v, want 0", i, v)
		}
	}
	g.Release()
	labels := make([]int32, 100000)
	dropped := m.YEmbedder.Drop(labels, rand.New(rand.NewPCG(1, 1)))
	n := 0
	for _, l := range dropped {
		if l == int32(cfg.Classes) {
			n++
		}
	}
	if frac := float64(n) / float64(len(labels)); frac < 0.097 || frac > 0.103 {
		t.Errorf("dropped %.4f of labels, want 0.1", frac)
	}
}

// DDPM draws fresh noise at every step from the Philox stream, which is the
// same on every device: a run from the same seed on any device agrees with
// the reference CPU's.
func TestDDPMSameOnEveryDevice(t *testing.T) {
	run := func(t *testing.T, dev tensor.Device) []float32 {
		f, _ := nn.ReadFile("testdata/parity_sigma.safetensors")
		m := load(t, dev, f)
		defer m.Release()
		rng := tensor.RNG{Seed: 11}
		xT := rng.Normal(dev, 2, 3, 8, 8)
		defer xT.Release()
		out, err := diffusion.Sample(m, diffusion.LinearSchedule(1000), xT, []int32{1, 4}, &rng,
			diffusion.SampleOptions{Sampler: "ddpm", Steps: 25, CFGScale: 2, GuidedChannels: 3})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Release()
		return out.Data()
	}
	want := run(t, tensor.NewCPU())
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		got := run(t, dev)
		worst := 0.0
		for i := range want {
			worst = max(worst, float64(got[i]-want[i])*float64(got[i]-want[i]))
		}
		t.Logf("25 DDPM steps: largest squared difference from the reference CPU %.2g", worst)
		if worst > 1e-6 {
			t.Errorf("DDPM samples differ from the reference CPU's by up to %.2g (squared)", worst)
		}
	})
}
