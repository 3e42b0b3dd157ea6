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

// bf16AttentionRounding and fp16AttentionRounding are only checks if the
// rounding changes each of their results (out, lse, dqkv) by far more than
// the tolerance: on the reference, against float32 attention on the same
// inputs, by at least five times the case's tolerance.
func TestAttentionRoundingShows(t *testing.T) {
	ref := tensor.NewCPU64()
	float32Attention := func(qkv, dout *tensor.Tensor) []*tensor.Tensor {
		scale := float32(1 / math.Sqrt(float64(qkv.Dim(4))))
		out, lse := tensor.Attention(qkv, scale)
		return []*tensor.Tensor{out, lse, tensor.AttentionBackward(dout, qkv, out, lse, scale)}
	}
	for _, c := range []struct {
		k    KernelCase
		drop float64
	}{{bf16AttentionRounding(), 0x1p-9}, {fp16AttentionRounding(), 0x1p-11}} {
		rounded := runKernel(t, ref, c.k, 1)
		fp := runKernel(t, ref, attentionRounding(c.k.Name, float32Attention, c.drop), 1)
		tol := 1e-6 * (10 + float64(c.k.Accum))
		for i, name := range []string{"out", "lse", "dqkv"} {
			worst, scale := 0.0, rms(fp[i])
			for j := range fp[i] {
				worst = max(worst, math.Abs(rounded[i][j]-fp[i][j])/(math.Abs(fp[i][j])+scale))
			}
			t.Logf("%s %s: differs by %.3g of the scale, %.0f× the tolerance", c.k.Name, name, worst, worst/tol)
			if !(worst >= 5*tol) { // a NaN fails too
				t.Errorf("%s %s: rounded and float32 attention differ by at most %.3g of the scale, want ≥ %.3g: the case does not tell them apart", c.k.Name, name, worst, 5*tol)
			}
		}
	}
}

// The reference's answer to fp16Rounding, worked out by hand: the rounded
// values of fp16RoundA are [1, 1+2⁻⁹, −(1+2⁻¹⁰), 2, +Inf, 2⁻²³, 0], those
// of fp16RoundB [1, −1, 1638·2⁻¹⁴, 3], and every product of two is exact.
func TestFP16RoundingCase(t *testing.T) {
	a := []float64{1, 1 + 0x1p-9, -(1 + 0x1p-10), 2, math.Inf(1), 0x1p-23, 0}
	b := []float64{1, -1, 1638 * 0x1p-14, 3}
	got := runKernel(t, tensor.NewCPU64(), fp16Rounding(), 1)[0]
	for i := range bf16M {
		for j := range bf16N {
			want, g := a[i%len(a)]*b[j%len(b)], got[i*bf16N+j]
			if g != want {
				t.Errorf("out[%d,%d] = %v, want round(a[%d])·round(b[%d]) = %v", i, j, g, i%len(a), j%len(b), want)
			}
		}
	}
}

// fp16NotFP32 is only a check if float16 changes the product: on the
// reference, the difference it returns must be of the order of 2⁻¹¹.
func TestFP16DiffersFromFP32(t *testing.T) {
	diff := runKernel(t, tensor.NewCPU64(), fp16NotFP32(), 1)[0]
	if r := rms(diff); r < 0x1p-13 {
		t.Errorf("the float16 product − MatMul has rms %.3g on the reference, want ≥ 2⁻¹³: the case does not tell the two apart", r)
	}
}
