package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// Under Autocast(BF16) and Autocast(FP16), Linear, MatMul and Attention
// compute their forward values and their gradients with the rounded
// kernels: the same numbers,
// bit for bit, as those kernels called by hand in the same order. The
// precision is restored before Backward, which must not matter: a rule
// computes in its forward pass's precision. And the results are not the
// float32 ones.
func TestAutocastProducts(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		r := rand.New(rand.NewPCG(5, 6))
		x := autograd.Param(randomTensor(dev, r, 2, 3, 5))
		w := autograd.Param(randomTensor(dev, r, 4, 5))
		b := autograd.Param(randomTensor(dev, r, 4))
		m := autograd.Param(randomTensor(dev, r, 4, 6))
		qkv := autograd.Param(randomTensor(dev, r, 3, 1, 2, 6, 4)) // q, k, v of B 1, H 2, T 6, Dh 4
		params := []*autograd.Var{x, w, b, m, qkv}
		defer func() {
			for _, v := range params {
				v.Value.Release()
				v.Grad.Release()
			}
		}()
		// run returns the values of y = Linear(x, w, b)·m and
		// a = Attention(qkv), and the gradients of L = Σy² + Σa² for every
		// parameter.
		run := func(p autograd.Precision) [][]float32 {
			for _, v := range params {
				v.ZeroGrad()
			}
			g := autograd.NewGraph()
			defer g.Release()
			restore := g.Autocast(p)
			y := g.MatMul(g.Reshape(g.Linear(x, w, b), 6, 4), m, false, false) // [6, 6]
			a := g.Attention(qkv)
			restore()
			if g.Precision() != autograd.FP32 {
				t.Fatalf("Autocast's restore left the graph in %v", g.Precision())
			}
			g.Backward(g.Add(g.SumAll(g.Mul(y, y)), g.SumAll(g.Mul(a, a))))
			return append([][]float32{y.Value.Data(), a.Value.Data()}, gradients(params...)...)
		}
		fp32 := run(autograd.FP32)
		for _, p := range []autograd.Precision{autograd.BF16, autograd.FP16} {
			got, round := run(p), p.Rounding()

			// The same by hand: forward, then the backward rules' products.
			h := tensor.MatMulRounded(x.Value, w.Value, false, true, b.Value, round) // [2, 3, 4]
			h2 := h.Reshape(6, 4)
			y := tensor.MatMulRounded(h2, m.Value, false, false, nil, round)
			scale := float32(0.5) // 1/√Dh
			a, lse := tensor.AttentionRounded(qkv.Value, scale, round)
			dy, da := tensor.Scale(y, 2), tensor.Scale(a, 2)
			dm := tensor.MatMulRounded(h2, dy, true, false, nil, round)
			dh := tensor.MatMulRounded(dy, m.Value, false, true, nil, round) // [6, 4]
			dx := tensor.MatMulRounded(dh, w.Value, false, false, nil, round)
			dw := tensor.MatMulRounded(dh, x.Value.Reshape(6, 5), true, false, nil, round)
			db := tensor.Sum(dh, 0)
			dqkv := tensor.AttentionBackwardRounded(da, qkv.Value, a, lse, scale, round)
			want := []*tensor.Tensor{y, a, dx, dw, db, dm, dqkv}
			names := []string{"y", "attention", "dx", "dw", "db", "dm", "dqkv"}
			for i, wt := range want {
				wd := wt.Data()
				differs := false
				for j := range wd {
					if math.Float32bits(got[i][j]) != math.Float32bits(wd[j]) {
						t.Errorf("%s[%d] = %g under Autocast(%v), %g from the rounded kernels", names[i], j, got[i][j], p, wd[j])
						break
					}
					differs = differs || got[i][j] != fp32[i][j]
				}
				if !differs {
					t.Errorf("%s: the same in %v as in fp32: Autocast changed nothing", names[i], p)
				}
			}
			for _, t := range append(want, h, lse, dh, dy, da) {
				t.Release()
			}
		}
	})
}

// A checkpointed segment recomputes in the precision its forward pass had,
// even when the graph's precision has changed by the time Backward runs:
// the gradients are those of the same segment without the checkpoint, bit
// for bit on the CPU devices, and not the float32 ones.
func TestCheckpointKeepsPrecision(t *testing.T) {
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		p, x0, shift, scale, params := modulatedSegment(t, dev, 7, 8)
		step := func(precision autograd.Precision, checkpoint bool) [][]float32 {
			for _, v := range params {
				v.ZeroGrad()
			}
			g := autograd.NewGraph()
			defer g.Release()
			restore := g.Autocast(precision)
			in := []*autograd.Var{g.Scale(x0, 0.5), shift, scale}
			var y *autograd.Var
			if checkpoint {
				y = g.Checkpoint(p.forward, in...)
			} else {
				y = p.forward(g, in)
			}
			restore()
			g.Backward(g.Mean(g.Mul(y, y)))
			return gradients(params...)
		}
		names := []string{"w1", "b1", "w2", "x0", "shift", "scale"}
		want := step(autograd.BF16, false)
		sameGradients(t, dev, names, step(autograd.BF16, true), want)
		fp32 := step(autograd.FP32, false)
		for i := range want {
			same := true
			for j := range want[i] {
				same = same && want[i][j] == fp32[i][j]
			}
			if same {
				t.Errorf("%s: the same gradient in bf16 as in fp32", names[i])
			}
		}
	})
}

func TestParsePrecision(t *testing.T) {
	for _, p := range []autograd.Precision{autograd.FP32, autograd.BF16, autograd.FP16} {
		if got, err := autograd.ParsePrecision(p.String()); err != nil || got != p {
			t.Errorf("ParsePrecision(%q) = %v, %v", p.String(), got, err)
		}
	}
	for _, s := range []string{"", "fp8", "BF16", "FP16", "float32"} {
		if _, err := autograd.ParsePrecision(s); err == nil {
			t.Errorf("ParsePrecision(%q) took it", s)
		}
	}
}
