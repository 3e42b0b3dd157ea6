// Command export writes a checkpoint trained by this engine, with a forward
// pass of it, so that check_go_checkpoint.py can show that the checkpoint
// loads into the PyTorch reference and gives the same output:
//
//	go run ./dit/testdata/export /tmp/ditgo-export
//	/usr/bin/python3 dit/testdata/check_go_checkpoint.py /tmp/ditgo-export
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: export DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := run(dir); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dev := tensor.NewCPU()
	cfg, _ := dit.Named("DiT-Micro/4")
	m, err := dit.New(dev, cfg)
	if err != nil {
		return err
	}
	m.Init(7)
	// Train a little, so that the adaLN and final layers are no longer zero.
	rng := tensor.RNG{Seed: 9}
	sched := diffusion.LinearSchedule(diffusion.DefaultSteps)
	opt := nn.NewAdamW(m.Params, 1e-3, 0)
	const b = 4
	shape := []int{b, cfg.Channels, cfg.InputSize, cfg.InputSize}
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
