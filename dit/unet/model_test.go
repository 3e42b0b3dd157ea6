package unet_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
	"github.com/ditgo/ditgo/vk"
)

// small is a U-Net of two levels with every kind of layer, as the parity
// fixture's.
func small() unet.Config {
	return unet.Config{InputSize: 8, Channels: 2, Classes: 3, LearnSigma: true, ClassDropout: 0.1,
		Base: 8, Mult: []int{1, 2}, ResBlocks: 1, AttnDS: []int{2}, HeadChannels: 8, Groups: 4}
}

// An untrained U-Net outputs exactly 0 (its output convolution starts at
// zero), and its forward pass keeps the shape.
func TestInitOutputsZero(t *testing.T) {
	dev := tensor.NewCPU()
	m, err := unet.New(dev, small())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	m.Init(1)
	g := autograd.NewNoGradGraph()
	defer g.Release()
	x := g.Const(g.Own(tensor.Full(dev, 0.5, 2, 2, 8, 8)))
	out := m.Forward(g, x, []float32{3, 900}, []int32{0, 3})
	if s := out.Value.Shape(); len(s) != 4 || s[0] != 2 || s[1] != 4 || s[2] != 8 || s[3] != 8 {
		t.Fatalf("output shape %v, want [2 4 8 8]", s)
	}
	for i, v := range out.Value.Data() {
		if v != 0 {
			t.Fatalf("output[%d] = %v, want 0 from the zero output convolution", i, v)
		}
	}
}

// Gradient checkpointing changes no gradient beyond rounding. Unlike the
// DiT's chain of blocks, whose gradients are the same bit for bit, a
// U-Net's encoder outputs have two consumers, the next block and the
// decoder's concatenation: without checkpointing the next block's ops add
// their contributions one by one, in between the decoder's, and with it
// the block's rule adds them already summed (see autograd.Checkpoint), so
// the sums are grouped differently and the encoder's gradients may differ
// in the last bits.
//
// The blocks have dropout, which the recomputation must replay with the
// same masks.
func TestGradCheckpoint(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		c := small()
		c.Dropout = 0.3
		m, err := unet.New(dev, c)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		m.Init(2)
		r := rand.New(rand.NewPCG(3, 4))
		perturb(m, r)
		x0 := make([]float32, 3*2*8*8)
		for i := range x0 {
			x0[i] = float32(r.Float64()*2 - 1)
		}
		grads := func(checkpoint bool) [][]float32 {
			m.GradCheckpoint = checkpoint
			m.Params.ZeroGrad()
			g := autograd.NewGraph()
			defer g.Release()
			g.UseRNG(&tensor.RNG{Seed: 6})
			noise := (&tensor.RNG{Seed: 5}).Normal(dev, 3, 2, 8, 8)
			loss := diffusion.TrainingLoss(g, m, diffusion.LinearSchedule(diffusion.DefaultSteps), x0, g.Own(noise), []int{0, 400, 999}, []int32{0, 1, 3})
			g.Backward(loss.Total)
			var out [][]float32
			for _, p := range m.Params.Trainable() {
				out = append(out, p.Var.Grad.Data())
			}
			return out
		}
		want, got := grads(false), grads(true)
		tol := 1e-5 // float32 rounding, summed over a few regroupings
		if _, ok := dev.(*vk.Device); ok {
			tol = 1e-4
		}
		names := m.Params.Trainable()
		for i := range want {
			var ss float64
			for _, b := range want[i] {
				ss += float64(b) * float64(b)
			}
			scale := math.Sqrt(ss / float64(len(want[i])))
			for j := range want[i] {
				a, b := float64(got[i][j]), float64(want[i][j])
				if math.Abs(a-b) > tol*(math.Abs(b)+scale) {
					t.Errorf("%s[%d]: %g with checkpointing, %g without", names[i].Name, j, a, b)
					break
				}
			}
		}
	})
}

// perturb adds noise to every weight, so that no block is the identity
// (a new ResBlock's second convolution is zero) and every gradient is
// non-trivial.
func perturb(m *unet.Model, r *rand.Rand) {
	for _, p := range m.Params.All() {
		v := p.Var.Value.Data()
		for i := range v {
			v[i] += float32(0.05 * r.NormFloat64())
		}
		nn.Set(p.Var.Value, v)
	}
}

// The ResBlocks' dropout acts only in training mode: a graph in evaluation
// mode (no UseRNG) gives the output of the same weights without dropout,
// and a graph in training mode another one, different for another stream.
func TestDropoutOnlyInTraining(t *testing.T) {
	dev := tensor.NewCPU()
	forward := func(dropout float64, rng *tensor.RNG) []float32 {
		c := small()
		c.Dropout = dropout
		m, err := unet.New(dev, c)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		m.Init(1)
		perturb(m, rand.New(rand.NewPCG(1, 2))) // the same weights every time
		g := autograd.NewNoGradGraph()
		defer g.Release()
		if rng != nil {
			g.UseRNG(rng)
		}
		x := g.Const(g.Own(tensor.Full(dev, 0.5, 2, 2, 8, 8)))
		return m.Forward(g, x, []float32{3, 900}, []int32{0, 3}).Value.Data()
	}
	plain := forward(0, nil)
	if eval := forward(0.5, nil); !slices.Equal(eval, plain) {
		t.Error("evaluation mode: dropout changed the output")
	}
	a, b := forward(0.5, &tensor.RNG{Seed: 1}), forward(0.5, &tensor.RNG{Seed: 2})
	if slices.Equal(a, plain) || slices.Equal(a, b) {
		t.Error("training mode: the output is the same without dropout or with another stream")
	}
	if again := forward(0.5, &tensor.RNG{Seed: 1}); !slices.Equal(again, a) {
		t.Error("training mode: the same stream gave another output")
	}
}
