package tensor_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// With q = 0 every score is 0, the weights are uniform, out is the mean of
// the rows of v and lse = log T, whatever k holds.
func TestAttentionUniform(t *testing.T) {
	dev := tensor.NewCPU()
	q := tensor.Zeros(dev, 1, 1, 3, 2)
	k := tensor.FromSlice(dev, []float32{5, -1, 2, 7, 0, 3}, 1, 1, 3, 2)
	v := tensor.FromSlice(dev, []float32{1, 2, 3, 4, 5, 9}, 1, 1, 3, 2)
	out, lse := tensor.Attention(packQKV(q, k, v), 0.7)
	// mean of v rows = [(1+3+5)/3, (2+4+9)/3] = [3, 5] for each of the 3 queries.
	wantTensor(t, "out", out, []int{1, 1, 3, 2}, []float64{3, 5, 3, 5, 3, 5}, tol32)
	// log 3 from Python's math.log(3).
	wantTensor(t, "lse", lse, []int{1, 1, 3}, []float64{1.0986122886681098, 1.0986122886681098, 1.0986122886681098}, tol32)
}

// One score far above the others takes all the weight. With k = [1, 0, -1]
// and scale 1, query 1000 scores [1000, 0, -1000]: out = v[0] and
// lse = 1000 + log(1 + e⁻¹⁰⁰⁰ + e⁻²⁰⁰⁰) = 1000 in float64. exp(1000)
// overflows float64, so this also checks that the row maximum is taken out
// before exponentiating. Query -1000 picks v[2] the same way, and query 0
// scores every key 0: out = mean(v) = (4-7+9)/3 = 2, lse = log 3.
func TestAttentionDominant(t *testing.T) {
	dev := tensor.NewCPU64()
	q := tensor.FromFloat64(dev, []float64{1000, 0, -1000}, 1, 1, 3, 1)
	k := tensor.FromFloat64(dev, []float64{1, 0, -1}, 1, 1, 3, 1)
	v := tensor.FromFloat64(dev, []float64{4, -7, 9}, 1, 1, 3, 1)
	out, lse := tensor.Attention(packQKV(q, k, v), 1)
	wantTensor(t, "out", out, []int{1, 1, 3, 1}, []float64{4, 2, 9}, tol64)
	wantTensor(t, "lse", lse, []int{1, 1, 3}, []float64{1000, 1.0986122886681098, 1000}, tol64)
}

// One token attends only to itself: out = v and lse = scale·q·k.
func TestAttentionOneToken(t *testing.T) {
	dev := tensor.NewCPU64()
	q := tensor.FromFloat64(dev, []float64{1, 2}, 1, 1, 1, 2)
	k := tensor.FromFloat64(dev, []float64{3, -1}, 1, 1, 1, 2)
	v := tensor.FromFloat64(dev, []float64{0.25, -8}, 1, 1, 1, 2)
	out, lse := tensor.Attention(packQKV(q, k, v), 0.5)
	wantTensor(t, "out", out, []int{1, 1, 1, 2}, []float64{0.25, -8}, tol64)
	// 0.5·(1·3 + 2·(-1)) = 0.5
	wantTensor(t, "lse", lse, []int{1, 1, 1}, []float64{0.5}, tol64)

	// With one token the softmax is constant, so dq = dk = 0 and dv = dout.
	dout := tensor.FromFloat64(dev, []float64{3, -2}, 1, 1, 1, 2)
	dq, dk, dv := unpackQKV(tensor.AttentionBackward(dout, packQKV(q, k, v), out, lse, 0.5))
	wantTensor(t, "dq", dq, []int{1, 1, 1, 2}, []float64{0, 0}, tol64)
	wantTensor(t, "dk", dk, []int{1, 1, 1, 2}, []float64{0, 0}, tol64)
	wantTensor(t, "dv", dv, []int{1, 1, 1, 2}, []float64{3, -2}, tol64)
}

// Two heads, two tokens, Dh = 2, scale float32(1/√2) = 0.7071067690849304
// (the float32 rounding matters at float64 precision). Head 0:
//
//	q = [1 0; 0 1], k = [1 2; 3 -1], v = [1 0; 0 2]
//
// so the scores are [1, 3]/√2 and [2, -1]/√2 and out = [p₀, 2·p₁] per row.
// Head 1 has q = 0: out = mean of its v rows, lse = log 2. The expected
// values come from Python with math.exp and math.log:
//
//	s = [sc*dot(qi, kj) for kj in k]; L = log(sum(exp(s))); out = Σ exp(s_j - L)·v_j
//
// with sc the float32-rounded scale.
func TestAttentionTwoTokens(t *testing.T) {
	for _, c := range []struct {
		dev tensor.Device
		tol float64
	}{{tensor.NewCPU(), tol32}, {tensor.NewCPU64(), tol64}} {
		q := tensor.FromSlice(c.dev, []float32{1, 0, 0, 1, 0, 0, 0, 0}, 1, 2, 2, 2)
		k := tensor.FromSlice(c.dev, []float32{1, 2, 3, -1, 9, 9, -9, 4}, 1, 2, 2, 2)
		v := tensor.FromSlice(c.dev, []float32{1, 0, 0, 2, 2, -4, 6, 10}, 1, 2, 2, 2)
		out, lse := tensor.Attention(packQKV(q, k, v), float32(1/math.Sqrt(2)))
		wantTensor(t, "out", out, []int{1, 2, 2, 2}, []float64{
			0.19557032130075808, 1.6088593573984837, // head 0, query 0 (Python)
			0.892958195064672, 0.21408360987065614, // head 0, query 1 (Python)
			4, 3, 4, 3, // head 1: mean of [2, -4] and [6, 10]
		}, c.tol)
		wantTensor(t, "lse", lse, []int{1, 2, 2}, []float64{
			2.3389420335699693, 1.5274290514086315, // head 0 (Python)
			0.6931471805599453, 0.6931471805599453, // head 1: log 2
		}, c.tol)
	}
}

// The gradients of head 0 above for the loss L = Σ dout·out with
// dout = [1 -1; 0.5 2], from a five-point central difference of the Python
// forward with the same float32-rounded scale (step 1e-3, error about 1e-11).
func TestAttentionBackwardTwoTokens(t *testing.T) {
	dev := tensor.NewCPU64()
	q := tensor.FromFloat64(dev, []float64{1, 0, 0, 1}, 1, 1, 2, 2)
	k := tensor.FromFloat64(dev, []float64{1, 2, 3, -1}, 1, 1, 2, 2)
	v := tensor.FromFloat64(dev, []float64{1, 0, 0, 2}, 1, 1, 2, 2)
	dout := tensor.FromFloat64(dev, []float64{1, -1, 0.5, 2}, 1, 1, 2, 2)
	scale := float32(1 / math.Sqrt(2))
	out, lse := tensor.Attention(packQKV(q, k, v), scale)
	dq, dk, dv := unpackQKV(tensor.AttentionBackward(dout, packQKV(q, k, v), out, lse, scale))
	shape := []int{1, 1, 2, 2}
	const tol = 1e-9
	wantTensor(t, "dq", dq, shape, []float64{-0.667463128146, 1.00119469222, 0.473115945761, -0.709673918641}, tol)
	// The rows of dk sum to zero: adding one vector to every key leaves the softmax unchanged.
	wantTensor(t, "dk", dk, shape, []float64{0.333731564073, -0.23655797288, -0.333731564073, 0.23655797288}, tol)
	wantTensor(t, "dv", dv, shape, []float64{0.642049418833, 1.59034606883, 0.857950581167, -0.590346068828}, tol)
}

// Big enough for both kernels to spread their rows and heads over the cores.
// With q = 0 and every key equal, each weight is 1/T whatever the values:
//
//   - out[i] = mean_j v[j]; with v[j,d] = j + d that is (T−1)/2 + d,
//     and lse = log T;
//   - dv[j] = Σ_i dout[i]/T; with dout[i,d] = i that is (T−1)/2;
//   - dq[i] = scale·Σ_j (1/T)·dout[i]·(v[j] − mean v)·k[j] with every k[j] = 1,
//     a sum of deviations from the mean, so 0; and dk = 0, being a sum of
//     multiples of q = 0.
func TestAttentionParallelUniform(t *testing.T) {
	const B, H, T, Dh = 1, 2, 64, 4
	dev := tensor.NewCPU64()
	n := B * H * T * Dh
	v, dout := make([]float64, n), make([]float64, n)
	wantOut, wantDv := make([]float64, n), make([]float64, n)
	for bh := range B * H {
		for j := range T {
			for d := range Dh {
				e := (bh*T+j)*Dh + d
				v[e], dout[e] = float64(j+d), float64(j)
				wantOut[e], wantDv[e] = (T-1)/2.0+float64(d), (T-1)/2.0
			}
		}
	}
	wantLse := make([]float64, B*H*T)
	for i := range wantLse {
		wantLse[i] = 4.1588830833596715 // math.log(64)
	}
	q := tensor.Zeros(dev, B, H, T, Dh)
	k := tensor.Full(dev, 1, B, H, T, Dh)
	vt := tensor.FromFloat64(dev, v, B, H, T, Dh)
	out, lse := tensor.Attention(packQKV(q, k, vt), 0.5)
	wantTensor(t, "out", out, []int{B, H, T, Dh}, wantOut, tol64)
	wantTensor(t, "lse", lse, []int{B, H, T}, wantLse, tol64)

	dq, dk, dv := unpackQKV(tensor.AttentionBackward(tensor.FromFloat64(dev, dout, B, H, T, Dh), packQKV(q, k, vt), out, lse, 0.5))
	zeros := make([]float64, n)
	wantTensor(t, "dq", dq, []int{B, H, T, Dh}, zeros, tol64)
	wantTensor(t, "dk", dk, []int{B, H, T, Dh}, zeros, tol64)
	wantTensor(t, "dv", dv, []int{B, H, T, Dh}, wantDv, tol64)
}

// packQKV stacks q, k and v, each [B, H, T, Dh], into the [3, B, H, T, Dh]
// that Attention takes.
func packQKV(q, k, v *tensor.Tensor) *tensor.Tensor {
	one := append([]int{1}, q.Shape()...)
	return tensor.Concat(0, q.Reshape(one...), k.Reshape(one...), v.Reshape(one...))
}

// unpackQKV cuts a packed [3, B, H, T, Dh] gradient into dq, dk and dv.
func unpackQKV(dqkv *tensor.Tensor) (dq, dk, dv *tensor.Tensor) {
	parts := tensor.Chunk(dqkv, 3, 0)
	s := dqkv.Shape()[1:]
	return parts[0].Reshape(s...), parts[1].Reshape(s...), parts[2].Reshape(s...)
}
