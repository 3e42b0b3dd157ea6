package optest

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// The reference's answer to bf16Rounding, worked out by hand: the rounded
// values of bf16RoundA are [1, 1+2⁻⁶, −(1+2⁻⁷), 1, 2, +Inf, NaN], those of
// bf16RoundB [1, −1, 0.10009765625, 3], and every product of two is exact.
func TestBF16RoundingCase(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	a := []float64{1, 1 + 1.0/64, -(1 + 1.0/128), 1, 2, inf, nan}
	b := []float64{1, -1, 0.10009765625, 3}
	got := runKernel(t, tensor.NewCPU64(), bf16Rounding(), 1)[0]
	if len(got) != bf16M*bf16N {
		t.Fatalf("%d values, want %d", len(got), bf16M*bf16N)
	}
	for i := range bf16M {
		for j := range bf16N {
			want, g := a[i%len(a)]*b[j%len(b)], got[i*bf16N+j]
			if g != want && !(math.IsNaN(g) && math.IsNaN(want)) {
				t.Errorf("out[%d,%d] = %v, want round(a[%d])·round(b[%d]) = %v", i, j, g, i%len(a), j%len(b), want)
			}
		}
	}
}

// bf16NotFP32 is only a check if bfloat16 changes the product by far more
// than the tolerance: on the reference, the difference it returns must be of
// the order of 2⁻⁸, not zero.
func TestBF16DiffersFromFP32(t *testing.T) {
	diff := runKernel(t, tensor.NewCPU64(), bf16NotFP32(), 1)[0]
	if r := rms(diff); r < 1.0/1024 {
		t.Errorf("MatMulBF16 − MatMul has rms %.3g on the reference, want ≥ 2⁻¹⁰: the case does not tell the two apart", r)
	}
}

// bf16AttentionRounding is only a check if bfloat16 changes each of its
// results (out, lse, dqkv) by far more than the tolerance: on the
// reference, against float32 attention on the same inputs, by at least
// twenty times the case's tolerance.
func TestBF16AttentionRoundingShows(t *testing.T) {
	ref := tensor.NewCPU64()
	bf := runKernel(t, ref, bf16AttentionRounding(), 1)
	fp := runKernel(t, ref, attentionRounding(func(qkv, dout *tensor.Tensor) []*tensor.Tensor {
		scale := float32(1 / math.Sqrt(float64(qkv.Dim(4))))
		out, lse := tensor.Attention(qkv, scale)
		return []*tensor.Tensor{out, lse, tensor.AttentionBackward(dout, qkv, out, lse, scale)}
	}), 1)
	k := bf16AttentionRounding()
	tol := 1e-6 * (10 + float64(k.Accum))
	for i, name := range []string{"out", "lse", "dqkv"} {
		worst, scale := 0.0, rms(fp[i])
		for j := range fp[i] {
			worst = max(worst, math.Abs(bf[i][j]-fp[i][j])/(math.Abs(fp[i][j])+scale))
		}
		t.Logf("%s: differs by %.3g of the scale, %.0f× the tolerance", name, worst, worst/tol)
		if worst < 20*tol {
			t.Errorf("%s: bfloat16 and float32 attention differ by at most %.3g of the scale, want ≥ %.3g: the case does not tell them apart", name, worst, 20*tol)
		}
	}
}
