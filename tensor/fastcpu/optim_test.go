package fastcpu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// Split over the cores, the fast AdamW and EMA give the reference's bits
// (the trainer's exact resume relies on the update not depending on the
// split), on every instruction set (the vector AdamW computes the
// reference's operations in its order). n is large enough to be split, and
// leaves a tail after the whole vectors of each share.
func TestOptimMatchesReference(t *testing.T) {
	const n = 100003
	r := rand.New(rand.NewPCG(4, 5))
	vals := func() []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * math.Exp(3*r.NormFloat64()))
		}
		return v
	}
	p, g, m, v := vals(), vals(), vals(), vals()
	for i := range v {
		v[i] *= v[i]
	}
	g[0], v[0], g[1] = 0, 0, 0 // a zero gradient, and one with a zero second moment
	args := tensor.AdamWArgs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 7}
	run := func(dev tensor.Device) [][]float32 {
		var out [][]float32
		tp, tg, tm, tv := tensor.FromSlice(dev, p, n), tensor.FromSlice(dev, g, n), tensor.FromSlice(dev, m, n), tensor.FromSlice(dev, v, n)
		tensor.AdamW(tp, tg, tm, tv, args)
		tensor.EMA(tg, tp, 0.99)
		for _, x := range []*tensor.Tensor{tp, tm, tv, tg} {
			out = append(out, x.Data())
			x.Release()
		}
		return out
	}
	want := run(tensor.NewCPU())
	for _, kernel := range fastcpu.InstructionSetNames() {
		t.Run(kernel, func(t *testing.T) {
			t.Setenv("DITGO_CPU_KERNEL", kernel)
			got := run(fastcpu.New())
			for k, name := range []string{"param", "m", "v", "EMA"} {
				for i := range n {
					if math.Float32bits(got[k][i]) != math.Float32bits(want[k][i]) {
						t.Fatalf("%s, element %d: fast %v, reference %v", name, i, got[k][i], want[k][i])
					}
				}
			}
		})
	}
}
