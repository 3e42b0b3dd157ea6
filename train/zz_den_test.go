package main

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/tensor"
)

func TestZZDenoise(t *testing.T) {
	dev := tensor.NewFastCPU()
	m, err := dit.Load(dev, "/tmp/exp_lr1e3/checkpoint.safetensors", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := DefaultMNISTDir()
	ds, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	s := dit.LinearSchedule(1000)
	n := 10
	x0 := make([]float32, 0, n*784)
	y := make([]int32, n)
	for i := range n {
		x0 = append(x0, ds.Image(i)...)
		y[i] = ds.Labels[i]
	}
	var rows []float32
	rows = append(rows, x0...)
	for _, ts := range []int{50, 200, 400, 600, 800, 950} {
		rng := tensor.RNG{Seed: 5}
		eps := rng.Normal(dev, n, 1, 28, 28).Data()
		ac := s.AlphasCumprod[ts]
		xt := make([]float32, len(x0))
		for i := range xt {
			xt[i] = float32(math.Sqrt(ac))*x0[i] + float32(math.Sqrt(1-ac))*eps[i]
		}
		g := autograd.NewNoGradGraph()
		tt := make([]float32, n)
		for i := range tt {
			tt[i] = float32(ts)
		}
		out := m.Forward(g, g.Const(g.Own(tensor.FromSlice(dev, xt, n, 1, 28, 28))), tt, y).Value.Data()
		pred := make([]float32, len(x0))
		var mse float64
		for b := range n {
			for i := range 784 {
				e := out[b*2*784+i]
				d := float64(e - eps[b*784+i])
				mse += d * d
				pred[b*784+i] = (xt[b*784+i] - float32(math.Sqrt(1-ac))*e) / float32(math.Sqrt(ac))
			}
		}
		t.Logf("t=%d eps mse %.4f", ts, mse/float64(len(x0)))
		rows = append(rows, xt...)
		rows = append(rows, pred...)
		g.Release()
	}
	WriteGrid("/tmp/sampcheck/denoise_lr1e3.png", rows, len(rows)/784, 1, 28, 28, n, 2)
}
