package unet_test

import (
	"math"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/internal/fixture"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// The parity fixture is written by testdata/gen_fixtures.py from an
// independent PyTorch U-Net (testdata/unet_torch.py) with the DiT's
// diffusion code: the forward pass, the hybrid loss and every gradient,
// three AdamW steps, and a 10-step DDIM sample with guidance 4. The U-Net
// is rebuilt from the fixture's config and weights on every device and
// compared at the DiT's tolerances (see dit's parity test).
const (
	tolForward = 2e-5
	tolLoss    = 2e-5
	tolGrad    = 2e-4
	tolAdam    = 1e-3
	tolSample  = 1e-4
)

func TestParity(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		f, err := nn.ReadFile("testdata/parity_unet.safetensors")
		if err != nil {
			t.Fatal(err)
		}
		c, err := unet.ParseConfig(f.Metadata[unet.ConfigKey])
		if err != nil {
			t.Fatal(err)
		}
		live := dev.LiveBuffers()
		m, err := unet.New(dev, c)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			m.Release()
			if n := dev.LiveBuffers(); n != live {
				t.Errorf("%d buffers leaked", n-live)
			}
		}()
		if err := m.Params.Load(f, "param."); err != nil {
			t.Fatal(err)
		}
		if n := len(m.Params.All()); n != len(paramsIn(f)) {
			t.Errorf("the model has %d parameters, the fixture %d", n, len(paramsIn(f)))
		}
		sched := diffusion.LinearSchedule(diffusion.DefaultSteps)

		g := autograd.NewNoGradGraph()
		x := g.Const(g.Own(fixture.Upload(t, dev, f, "forward.x")))
		out := m.Forward(g, x, fixture.Get(t, f, "forward.t").Data, fixture.Labels(fixture.Get(t, f, "forward.y").Data))
		fixture.Report(t, "forward", out.Value, fixture.Get(t, f, "forward.out"), tolForward)
		g.Release()

		x0 := fixture.Get(t, f, "loss.x0")
		lt, ly := fixture.Steps(fixture.Get(t, f, "loss.t").Data), fixture.Labels(fixture.Get(t, f, "loss.y").Data)
		step := func() (*autograd.Graph, diffusion.Loss) {
			g := autograd.NewGraph()
			loss := diffusion.TrainingLoss(g, m, sched, x0.Data, g.Own(fixture.Upload(t, dev, f, "loss.noise")), lt, ly)
			g.Backward(loss.Total)
			return g, loss
		}
		g, loss := step()
		fixture.Report(t, "loss.total", loss.Total.Value, fixture.Get(t, f, "loss.total"), tolLoss)
		fixture.Report(t, "loss.mse", loss.MSE.Value, fixture.Get(t, f, "loss.mse"), tolLoss)
		fixture.Report(t, "loss.vb", loss.VB.Value, fixture.Get(t, f, "loss.vb"), tolLoss)
		worst := 0.0
		for _, p := range m.Params.Trainable() {
			worst = max(worst, fixture.Report(t, "grad."+p.Name, p.Var.Grad, fixture.Get(t, f, "grad."+p.Name), tolGrad))
		}
		t.Logf("gradients: worst relative error %.2g over %d parameters", worst, len(m.Params.Trainable()))
		g.Release()
		m.Params.ZeroGrad()

		opt := nn.NewAdamW(m.Params, 1e-3, 0.01)
		for range 3 {
			g, _ := step()
			opt.Update()
			g.Release()
		}
		worst = 0
		for _, p := range m.Params.All() {
			want := fixture.Get(t, f, "adam3."+p.Name)
			if strings.HasSuffix(p.Name, ".qkv.bias") {
				want = keyBiasAsMoved(t, p.Var.Value, want, c.HeadChannels)
			}
			worst = max(worst, fixture.Report(t, "adam3."+p.Name, p.Var.Value, want, tolAdam))
		}
		t.Logf("after 3 AdamW steps: worst relative error %.2g", worst)
		opt.Release()

		if err := m.Params.Load(f, "param."); err != nil {
			t.Fatal(err)
		}
		xT := fixture.Upload(t, dev, f, "ddim.noise")
		samples, err := diffusion.Sample(m, sched, xT, fixture.Labels(fixture.Get(t, f, "ddim.y").Data), &tensor.RNG{Seed: 1},
			diffusion.SampleOptions{Sampler: "ddim", Steps: 10, CFGScale: 4})
		if err != nil {
			t.Fatal(err)
		}
		fixture.Report(t, "ddim.samples", samples, fixture.Get(t, f, "ddim.samples"), tolSample)
		samples.Release()
		xT.Release()
	})
}

// keyBiasAsMoved returns the fixture's qkv bias after the AdamW steps with
// the keys' part replaced by the engine's, when the two are within 3·lr.
// Adding a bias to every key adds q·b to a whole row of scores, which the
// softmax ignores, so the keys' bias has no gradient but rounding noise, on
// both sides different; AdamW divides by √v and turns such noise into
// steps of about lr, in a direction that is the noise's sign. Three steps
// move it by at most 3·lr (and weight decay's lr·wd·|b|) either way; the
// rest of the bias is compared as usual.
func keyBiasAsMoved(t *testing.T, got *tensor.Tensor, want nn.Tensor, ch int) nn.Tensor {
	t.Helper()
	g, err := got.ToHost()
	if err != nil {
		t.Fatal(err)
	}
	out := want
	out.Data = append([]float32(nil), want.Data...)
	for i := range out.Data {
		if (i/ch)%3 == 1 && math.Abs(float64(g[i]-out.Data[i])) <= 3.1e-3 { // head·3·ch + 1·ch + c: a key
			out.Data[i] = g[i]
		}
	}
	return out
}

// paramsIn lists the fixture's parameter tensors.
func paramsIn(f *nn.File) []string {
	var names []string
	for _, x := range f.Tensors {
		if strings.HasPrefix(x.Name, "param.") {
			names = append(names, x.Name)
		}
	}
	return names
}
