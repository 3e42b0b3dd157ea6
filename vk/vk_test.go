package vk_test

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/autograd/optest"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/vk"
	"github.com/ditgo/ditgo/vk/vktest"
)

// open is vktest.Open, which skips without a Vulkan device.
func open(t *testing.T) *vk.Device { return vktest.Open(t) }

// vkSizes are the default op-suite sizes plus the edges of the shaders'
// workgroups (64, 256) and of the matmul tile (64) from both sides.
var vkSizes = append(append([]int{}, optest.DefaultSizes...), 127, 128, 129, 255, 256, 257)

// TestOpSuite runs the shared op suite on the Vulkan device: every autograd
// op's values and gradients and every other kernel, against the float64 CPU
// reference.
func TestOpSuite(t *testing.T) {
	dev := open(t)
	optest.Run(t, dev, optest.Options{Sizes: vkSizes, MaxHeadDim: 128})
}

// TestGCStress runs the op suite with the garbage collector running as often
// as it can: GOGC=1 and a goroutine forcing collections. vulkan-go's
// slice-taking wrappers crash under this (their C copies are freed by a
// finalizer mid-call); the engine must not, because those calls go through
// the C shim.
func TestGCStress(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the GC stress run in -short mode")
	}
	dev := open(t)
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			runtime.GC()
		}
	}()
	optest.Run(t, dev, optest.Options{Random: 1, Seed: 7})
	stop.Store(true)
	<-done
}

// Recording is lazy: a chain of kernels is one submission, made when the
// host reads the result.
func TestKernelsAreRecordedNotRun(t *testing.T) {
	dev := open(t)
	x := tensor.Full(dev, 1, 1000)
	_, before := dev.Stats()
	y := x
	for range 50 {
		z := tensor.Add(y, x)
		if y != x {
			y.Release()
		}
		y = z
	}
	if _, n := dev.Stats(); n-before != 0 {
		t.Fatalf("%d submissions before any read, want 0", n)
	}
	got := y.Data()
	if _, n := dev.Stats(); n-before != 1 {
		t.Errorf("%d submissions for 51 kernels and one read, want 1", n-before)
	}
	if got[0] != 51 || got[999] != 51 {
		t.Errorf("got %v … %v, want 51", got[0], got[999])
	}
	x.Release()
	y.Release()
}

// A training step — forward, backward and AdamW on every parameter — is
// recorded whole and submitted once, when the loss is read.
func TestTrainingStepIsOneSubmission(t *testing.T) {
	dev := open(t)
	const b, tok, d, heads = 2, 16, 32, 2
	r := tensor.RNG{Seed: 3}
	param := func(shape ...int) *autograd.Var {
		n := r.Normal(dev, shape...)
		defer n.Release()
		return autograd.Param(tensor.Scale(n, 0.1))
	}
	w1, b1, w2, wqkv := param(2*d, d), param(2*d), param(d, 2*d), param(3*d, d)
	params := []*autograd.Var{w1, b1, w2, wqkv}
	moments := map[*autograd.Var][2]*tensor.Tensor{}
	for _, p := range params {
		moments[p] = [2]*tensor.Tensor{tensor.Zeros(dev, p.Shape()...), tensor.Zeros(dev, p.Shape()...)}
	}
	var losses []float32
	for step := 1; step <= 3; step++ {
		commands0, submissions0 := dev.Stats()
		g := autograd.NewGraph()
		x := g.Const(g.Own(r.Normal(dev, b, tok, d)))
		qkv := g.SplitQKV(g.Linear(g.LayerNormModulate(x, nil, nil), wqkv, nil), heads)
		att := g.MergeHeads(g.Attention(qkv))
		y := g.Linear(g.GELU(g.Linear(att, w1, b1)), w2, nil)
		loss := g.Mean(g.Mul(y, y))
		g.Backward(loss)
		for _, p := range params {
			m := moments[p]
			tensor.AdamW(p.Value, p.Grad, m[0], m[1], tensor.AdamWArgs{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: step})
			p.ZeroGrad()
		}
		l, err := loss.Value.Item()
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, l)
		g.Release()
		commands, submissions := dev.Stats()
		t.Logf("step %d: loss %.5f, %d commands in %d submission(s)", step, l, commands-commands0, submissions-submissions0)
		if submissions-submissions0 != 1 {
			t.Errorf("step %d took %d submissions, want 1", step, submissions-submissions0)
		}
	}
	if !(losses[2] < losses[0]) {
		t.Errorf("losses %v do not decrease", losses)
	}
	for _, p := range params {
		p.Value.Release()
		p.Grad.Release()
		moments[p][0].Release()
		moments[p][1].Release()
	}
}

// Close reports a leaked buffer; after the leak is released it is clean.
func TestLiveBuffers(t *testing.T) {
	dev := open(t)
	if n := dev.LiveBuffers(); n != 0 {
		t.Fatalf("a new device has %d live buffers, want 0", n)
	}
	a := tensor.Zeros(dev, 3)
	if n := dev.LiveBuffers(); n != 1 {
		t.Fatalf("%d live buffers after one allocation, want 1", n)
	}
	a.Release()
	if n := dev.LiveBuffers(); n != 0 {
		t.Fatalf("%d live buffers after Release, want 0", n)
	}
}
