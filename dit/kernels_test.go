package dit_test

import (
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// TestKernelsPerStep counts the kernels of one training step of the
// default trainer's model (DiT-Mini/4: forward, backward, AdamW and EMA) and
// checks the data movement: the only permutations are patchify, unpatchify
// and two per attention, forward and backward alike (the patchify of the
// data needs no gradient).
func TestKernelsPerStep(t *testing.T) {
	cfg, _ := dit.Named("DiT-Mini/4")
	dev := tensortest.NewCounting(tensor.NewCPU())
	m, err := dit.New(dev, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	m.Init(1)
	ema, err := dit.New(dev, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ema.Release()
	avg, err := nn.NewEMA(m.Params, ema.Params, 0.99)
	if err != nil {
		t.Fatal(err)
	}
	opt := nn.NewAdamW(m.Params, 1e-3, 0)
	defer opt.Release()
	const b = 2
	x0 := make([]float32, b*cfg.Channels*cfg.InputSize*cfg.InputSize)
	noise := (&tensor.RNG{Seed: 5}).Normal(dev, b, cfg.Channels, cfg.InputSize, cfg.InputSize)
	defer noise.Release()
	sched := diffusion.LinearSchedule(diffusion.DefaultSteps)
	// The second step is the steady state: the first also allocates and
	// zeroes every parameter's gradient.
	for step := range 2 {
		g := autograd.NewGraph()
		dev.Reset()
		loss := diffusion.TrainingLoss(g, m, sched, x0, noise, []int{3, 500}, []int32{1, 2})
		forward, forwardPermutes := dev.Total(), dev.Calls["Permute"]
		t.Logf("step %d forward: %v", step, dev)
		dev.Reset()
		g.Backward(loss.Total)
		backward, backwardPermutes := dev.Total(), dev.Calls["Permute"]
		t.Logf("step %d backward: %v", step, dev)
		dev.Reset()
		opt.Update()
		avg.Update()
		t.Logf("step %d update: %v", step, dev)
		g.Release()
		if step == 1 {
			t.Logf("DiT-Mini/4, depth %d: %d kernels per training step (%d forward, %d backward, %d update)",
				cfg.Depth, forward+backward+dev.Total(), forward, backward, dev.Total())
		}
		if want := 2 + 2*cfg.Depth; forwardPermutes != want {
			t.Errorf("step %d: %d permutations forward, want %d (patchify, unpatchify, 2 per attention)", step, forwardPermutes, want)
		}
		if want := 1 + 2*cfg.Depth; backwardPermutes != want {
			t.Errorf("step %d: %d permutations backward, want %d (unpatchify, 2 per attention)", step, backwardPermutes, want)
		}
	}
}
