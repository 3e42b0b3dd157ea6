// Command export writes a checkpoint trained by this engine, with a forward
// pass of it, so that check_go_checkpoint.py can show that the checkpoint
// loads into the PyTorch model (dit_torch.py, or the U-Net's
// ../unet/testdata/unet_torch.py) and gives the same output:
//
//	go run ./dit/testdata/export /tmp/ditgo-export          a DiT-Micro/4
//	go run ./dit/testdata/export /tmp/ditgo-export unet     a small U-Net
//	/usr/bin/python3 dit/testdata/check_go_checkpoint.py /tmp/ditgo-export
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 || (len(os.Args) == 3 && os.Args[2] != "unet") {
		fmt.Fprintln(os.Stderr, "usage: export DIR [unet]")
		os.Exit(2)
	}
	if err := run(os.Args[1], len(os.Args) == 3); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

// model is what export needs of a model: both the DiT and the U-Net have
// it.
type model interface {
	diffusion.Denoiser
	Init(seed uint64)
	Save(path string) error
}

func run(dir string, u bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dev := tensor.NewCPU()
	var m model
	var params *nn.Params
	if u {
		um, err := unet.New(dev, unet.Config{InputSize: 8, Channels: 1, Classes: 10, LearnSigma: true, ClassDropout: 0.1,
			Base: 8, Mult: []int{1, 2}, ResBlocks: 1, AttnDS: []int{2}, HeadChannels: 8, Groups: 4})
		if err != nil {
			return err
		}
		m, params = um, um.Params
	} else {
		cfg, _ := dit.Named("DiT-Micro/4")
		dm, err := dit.New(dev, cfg)
		if err != nil {
			return err
		}
		m, params = dm, dm.Params
	}
	m.Init(7)
	spec := m.Spec()
	// Train a little, so that the zero-initialised layers are no longer zero.
	rng := tensor.RNG{Seed: 9}
	sched := diffusion.LinearSchedule(diffusion.DefaultSteps)
	opt := nn.NewAdamW(params, 1e-3, 0)
	const b = 4
	shape := []int{b, spec.Channels, spec.Size, spec.Size}
	x0 := rng.Normal(dev, shape...).Data()
	for i := range x0 {
		x0[i] = max(-1, min(1, x0[i]/2))
	}
	for range 20 {
		g := autograd.NewGraph()
		noise := g.Own(rng.Normal(dev, shape...))
		loss := diffusion.TrainingLoss(g, m, sched, x0, noise, []int{0, 3, 500, 999}, []int32{1, 2, 3, 10})
		g.Backward(loss.Total)
		opt.Update()
		g.Release()
	}
	if err := m.Save(filepath.Join(dir, "model.safetensors")); err != nil {
		return err
	}
	x := rng.Normal(dev, shape...)
	t := []float32{0, 250, 999, 42}
	y := []int32{0, 5, 10, 9}
	g := autograd.NewNoGradGraph()
	out := m.Forward(g, g.Const(x), t, y)
	yf := []float32{0, 5, 10, 9}
	return nn.WriteFile(filepath.Join(dir, "forward.safetensors"), []nn.Tensor{
		{Name: "x", Shape: shape, Data: x.Data()},
		{Name: "t", Shape: []int{b}, Data: t},
		{Name: "y", Shape: []int{b}, Data: yf},
		{Name: "out", Shape: out.Value.Shape(), Data: out.Value.Data()},
	}, nil)
}
