package tensor_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Split over the cores, the fast AdamW and EMA give the reference's bits
// (the trainer's exact resume relies on the update not depending on the
// split). n is large enough to be split.
func TestFastOptimMatchesReference(t *testing.T) {
	const n = 100003
	r := rand.New(rand.NewPCG(4, 5))
	vals := func() []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	p, g, m, v := vals(), vals(), vals(), vals()
	for i := range v {
		v[i] *= v[i]
	}
	args := tensor.AdamWArgs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 7}
	var got [][]float32
	for _, dev := range []tensor.Device{tensor.NewFastCPU(), tensor.NewCPU()} {
		tp, tg, tm, tv := tensor.FromSlice(dev, p, n), tensor.FromSlice(dev, g, n), tensor.FromSlice(dev, m, n), tensor.FromSlice(dev, v, n)
		tensor.AdamW(tp, tg, tm, tv, args)
		tensor.EMA(tg, tp, 0.99)
		for _, x := range []*tensor.Tensor{tp, tm, tv, tg} {
			got = append(got, x.Data())
			x.Release()
		}
	}
	for k := range 4 {
		for i := range n {
			if got[k][i] != got[k+4][i] {
				t.Fatalf("output %d, element %d: fast %v, reference %v", k, i, got[k][i], got[k+4][i])
			}
		}
	}
}
