package dit_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
	"github.com/ditgo/ditgo/vk"
)

// One training step's parameter gradients are the same with GradCheckpoint
// as without: bit for bit on the CPU devices, within float32 rounding on
// Vulkan.
//
// What keeps them identical: the recomputed block computes the same values
// with the same deterministic kernels, and every Var receives its gradient
// contributions in the same order. Inside a block only x is used twice, and
// a sum of two does not depend on the order. The conditioning c is used by
// every block and by the final layer, four contributions with three blocks,
// where a different order would show in the last bits. Backward's
// topological sort reaches the blocks along the residual stream either way,
// so in both cases the reversed loop gives c the final layer's contribution
// first, then each block's from the last block to the first. (A
// checkpointed block hands c, used once inside it, the very tensor its SiLU
// rule made.)
func TestGradCheckpointSameGradients(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		cfg, _ := dit.Named("DiT-Micro/4")
		cfg.Depth = 3 // three blocks: c gets four contributions, whose order matters
		m, err := dit.New(dev, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		m.Init(1)
		// adaLN-Zero starts every gate and the output at zero, where most
		// gradients vanish; random weights make every gradient nonzero.
		r := rand.New(rand.NewPCG(7, 8))
		for _, p := range m.Params.Trainable() {
			data := make([]float32, p.Var.Value.Numel())
			for i := range data {
				data[i] = float32(0.05 * r.NormFloat64())
			}
			dev.WriteFloat32(p.Var.Value.Buffer(), data)
		}

		const b = 4
		x0 := make([]float32, b*cfg.Channels*cfg.InputSize*cfg.InputSize)
		for i := range x0 {
			x0[i] = float32(2*r.Float64() - 1)
		}
		noise := (&tensor.RNG{Seed: 5}).Normal(dev, b, cfg.Channels, cfg.InputSize, cfg.InputSize)
		defer noise.Release()
		sched := diffusion.LinearSchedule(diffusion.DefaultSteps)

		step := func(checkpoint bool) map[string][]float32 {
			m.GradCheckpoint = checkpoint
			m.Params.ZeroGrad()
			g := autograd.NewGraph()
			defer g.Release()
			loss := diffusion.TrainingLoss(g, m, sched, x0, noise, []int{0, 10, 500, 999}, []int32{1, 2, 3, int32(cfg.Classes)})
			g.Backward(loss.Total)
			grads := map[string][]float32{}
			for _, p := range m.Params.All() {
				if p.Var.Grad != nil {
					grads[p.Name] = p.Var.Grad.Data()
				}
			}
			return grads
		}
		want := step(false)
		got := step(true)

		_, approx := dev.(*vk.Device)
		if len(got) != len(want) {
			t.Fatalf("%d parameters have a gradient with GradCheckpoint, %d without", len(got), len(want))
		}
		for _, p := range m.Params.All() {
			w, g := want[p.Name], got[p.Name]
			if len(w) != len(g) {
				t.Errorf("%s: a gradient of %d values with GradCheckpoint, %d without", p.Name, len(g), len(w))
				continue
			}
			for i := range w {
				if approx {
					if d := math.Abs(float64(g[i] - w[i])); d > 1e-5+1e-4*math.Abs(float64(w[i])) {
						t.Errorf("%s[%d]: %g with GradCheckpoint, %g without", p.Name, i, g[i], w[i])
						break
					}
				} else if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
					t.Errorf("%s[%d]: %g with GradCheckpoint, %g without: not bit-identical", p.Name, i, g[i], w[i])
					break
				}
			}
		}
	})
}

// A forward pass without gradients (sampling, evaluation) holds one tensor
// per block, the block's output, whatever GradCheckpoint says: two more
// blocks leave the graph two tensors richer, where without the checkpoint
// they would leave it a few dozen richer.
func TestNoGradForwardHoldsOneTensorPerBlock(t *testing.T) {
	dev := tensor.NewCPU()
	owned := func(depth int) int {
		cfg, _ := dit.Named("DiT-Micro/4")
		cfg.Depth = depth
		m, err := dit.New(dev, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		m.Init(1)
		g := autograd.NewNoGradGraph()
		defer g.Release()
		x := g.Const(g.Own(tensor.Zeros(dev, 2, cfg.Channels, cfg.InputSize, cfg.InputSize)))
		m.Forward(g, x, []float32{1, 2}, []int32{0, 1})
		return g.Owned()
	}
	if d := owned(4) - owned(2); d != 2 {
		t.Errorf("two more blocks left %d more tensors in a graph without gradients, want 2", d)
	}
}
