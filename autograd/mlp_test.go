package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// The fused MLP is Linear, GELU and Linear composed: the same output and
// the same five gradients, bit for bit on the CPU devices (whose epilogues
// run the very GELU kernels the composed ops run) and within float32
// rounding on Vulkan, in every precision.
func TestMLPIsLinearGELULinear(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		r := rand.New(rand.NewPCG(7, 7))
		x := autograd.Param(randomTensor(dev, r, 2, 9, 12))
		w1 := autograd.Param(randomTensor(dev, r, 48, 12))
		b1 := autograd.Param(randomTensor(dev, r, 48))
		w2 := autograd.Param(randomTensor(dev, r, 12, 48))
		b2 := autograd.Param(randomTensor(dev, r, 12))
		params := []*autograd.Var{x, w1, b1, w2, b2}
		defer func() {
			for _, v := range params {
				v.Value.Release()
				v.Grad.Release()
			}
		}()
		run := func(p autograd.Precision, fused bool) [][]float32 {
			for _, v := range params {
				v.ZeroGrad()
			}
			g := autograd.NewGraph()
			defer g.Release()
			defer g.Autocast(p)()
			var y *autograd.Var
			if fused {
				y = g.MLP(x, w1, b1, w2, b2)
			} else {
				y = g.Linear(g.GELU(g.Linear(x, w1, b1)), w2, b2)
			}
			g.Backward(g.SumAll(g.Mul(y, y)))
			return append([][]float32{y.Value.Data()}, gradients(params...)...)
		}
		names := []string{"y", "dx", "dw1", "db1", "dw2", "db2"}
		for _, p := range []autograd.Precision{autograd.FP32, autograd.BF16, autograd.FP16} {
			t.Run(p.String(), func(t *testing.T) {
				sameGradients(t, dev, names, run(p, true), run(p, false))
			})
		}
	})
}
