package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// Attention moves its data with two layout kernels forward — one into the
// packed [3, B, H, T, Dh] that the attention kernel reads, one out of its
// [B, H, T, Dh] result — and two backward; everything else is the two
// projections and the fused kernel. (Chunking q, k, v apart and splitting
// each into heads took seven forward and seven backward.)
func TestAttentionLayoutKernels(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, base tensor.Device) {
		dev := tensortest.NewCounting(base)
		const B, T, D, H = 2, 5, 12, 3
		a := nn.NewAttention(dev, D, H)
		params := &nn.Params{}
		a.Register(params, "attn")
		defer params.Release()
		a.InitXavier(rand.New(rand.NewPCG(1, 2)))
		g := autograd.NewGraph()
		defer g.Release()
		x := g.Const(g.Own((&tensor.RNG{Seed: 3}).Normal(dev, B, T, D)))

		dev.Reset()
		y := a.Forward(g, x)
		t.Logf("forward: %v", dev)
		if n := dev.Layout(); n != 2 {
			t.Errorf("forward: %d layout kernels, want 2 (%v)", n, dev)
		}
		if n := dev.Calls["Attention"]; n != 1 {
			t.Errorf("forward: %d attention kernels, want 1", n)
		}

		loss := g.SumAll(g.Mul(y, y))
		dev.Reset()
		g.Backward(loss)
		t.Logf("backward: %v", dev)
		// SumAll's and Mul's gradients make no layout kernels of their own.
		if n := dev.Layout(); n != 2 {
			t.Errorf("backward: %d layout kernels, want 2 (%v)", n, dev)
		}
		if _, err := a.QKV.Weight.Grad.ToHost(); err != nil {
			t.Fatal(err)
		}
	})
}
