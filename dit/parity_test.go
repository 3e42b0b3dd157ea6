package dit_test

import (
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/internal/fixture"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// The parity fixtures are written by testdata/gen_fixtures.py, an
// independent PyTorch DiT (testdata/dit_torch.py): see that script for what
// each stage records. TestParity rebuilds every stage in Go, on every device
// (the reference CPU, the fast CPU and Vulkan), and compares.
var fixtures = []string{"testdata/parity_sigma.safetensors", "testdata/parity_nosigma.safetensors"}

// Tolerances on the error relative to the reference's scale (|want| + rms):
// float32 on both sides, with different summation orders. AdamW divides by
// √v, so a gradient element near zero — where the two sides differ most in
// relative terms — moves its parameter by up to lr either way; hence the
// looser bound after the optimizer steps.
const (
	tolForward = 2e-5
	tolLoss    = 2e-5
	tolGrad    = 2e-4
	tolAdam    = 1e-3
	tolSample  = 1e-4
)

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
	c := m.Config
	sched := diffusion.LinearSchedule(diffusion.DefaultSteps)

	// Stage 1: the forward pass.
	g := autograd.NewNoGradGraph()
	x := g.Const(g.Own(tensor.FromSlice(dev, fixture.Get(t, f, "forward.x").Data, fixture.Get(t, f, "forward.x").Shape...)))
	out := m.Forward(g, x, fixture.Get(t, f, "forward.t").Data, fixture.Labels(fixture.Get(t, f, "forward.y").Data))
	fixture.Report(t, "forward", out.Value, fixture.Get(t, f, "forward.out"), tolForward)
	g.Release()

	// Stage 2: the hybrid loss and every parameter's gradient.
	x0, noise := fixture.Get(t, f, "loss.x0"), fixture.Get(t, f, "loss.noise")
	lt, ly := fixture.Get(t, f, "loss.t"), fixture.Get(t, f, "loss.y")
	step := func() (*autograd.Graph, diffusion.Loss) {
		g := autograd.NewGraph()
		n := g.Own(tensor.FromSlice(dev, noise.Data, noise.Shape...))
		loss := diffusion.TrainingLoss(g, m, sched, x0.Data, n, fixture.Steps(lt.Data), fixture.Labels(ly.Data))
		g.Backward(loss.Total)
		return g, loss
	}
	g, loss := step()
	fixture.Report(t, "loss.total", loss.Total.Value, fixture.Get(t, f, "loss.total"), tolLoss)
	fixture.Report(t, "loss.mse", loss.MSE.Value, fixture.Get(t, f, "loss.mse"), tolLoss)
	if c.LearnSigma {
		fixture.Report(t, "loss.vb", loss.VB.Value, fixture.Get(t, f, "loss.vb"), tolLoss)
	}
	worst := 0.0
	for _, p := range m.Params.Trainable() {
		want, ok := f.Get("grad." + p.Name)
		if !ok {
			t.Errorf("the fixture has no gradient for %s", p.Name)
			continue
		}
		worst = max(worst, fixture.Report(t, "grad."+p.Name, p.Var.Grad, want, tolGrad))
	}
	t.Logf("gradients: worst relative error %.2g over %d parameters", worst, len(m.Params.Trainable()))
	g.Release()
	m.Params.ZeroGrad()

	// Stage 3: three AdamW steps on the same batch.
	opt := nn.NewAdamW(m.Params, 1e-3, 0.01)
	for range 3 {
		g, _ := step()
		opt.Update()
		g.Release()
	}
	worst = 0
	for _, p := range m.Params.All() {
		worst = max(worst, fixture.Report(t, "adam3."+p.Name, p.Var.Value, fixture.Get(t, f, "adam3."+p.Name), tolAdam))
	}
	t.Logf("after 3 AdamW steps: worst relative error %.2g", worst)
	opt.Release()

	// Stage 4: a 10-step DDIM sample with guidance 4, from the initial weights.
	if _, ok := f.Get("ddim.samples"); ok {
		if err := m.Params.Load(f, "param."); err != nil {
			t.Fatal(err)
		}
		dn := fixture.Get(t, f, "ddim.noise")
		xT := tensor.FromSlice(dev, dn.Data, dn.Shape...)
		samples, err := diffusion.Sample(m, sched, xT, fixture.Labels(fixture.Get(t, f, "ddim.y").Data), &tensor.RNG{Seed: 1},
			diffusion.SampleOptions{Sampler: "ddim", Steps: 10, CFGScale: 4})
		if err != nil {
			t.Fatal(err)
		}
		fixture.Report(t, "ddim.samples", samples, fixture.Get(t, f, "ddim.samples"), tolSample)
		samples.Release()
		xT.Release()
	}
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
