package fastcpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/autograd/optest"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// The fast device's own kernels (attention here, matmul in gemm_test.go)
// pass the whole shared suite, which compares every op and gradient with
// the float64 reference at sizes around 1, 8, 16, 32 and 64 — with the
// vector row loops of this CPU's best instruction set, and with the Go ones
// of the generic set.
func TestOpSuiteAtAttentionSizes(t *testing.T) {
	for _, kernel := range []string{"", "generic"} {
		name := map[string]string{"": "best", "generic": "generic"}[kernel]
		t.Run(name, func(t *testing.T) {
			t.Setenv("DITGO_CPU_KERNEL", kernel)
			optest.Run(t, fastcpu.New(), optest.Options{Sizes: []int{1, 2, 3, 7, 16, 17, 49, 64, 65, 100}, Seed: 3})
		})
	}
}

// The attention row loops — the Go ones and the vector ones of every
// instruction set this CPU runs — against the softmax, its log-sum-exp and its
// gradient in float64, at every row length up to 70 (each vector tail)
// and a few longer ones, with scores from nearly flat to sharply peaked.
func TestSoftmaxRowLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, kernel := range []string{"go", "avx512"} {
		t.Run(kernel, func(t *testing.T) {
			row, grad, ok := fastcpu.SoftmaxRowLoops(kernel)
			if !ok {
				t.Skipf("this CPU cannot run the %s instruction set", kernel)
			}
			lengths := []int{100, 257, 1024}
			for n := 1; n <= 70; n++ {
				lengths = append(lengths, n)
			}
			for _, n := range lengths {
				for _, spread := range []float64{0.01, 3, 60} {
					const scale = 0.17
					s, dp := make([]float32, n), make([]float32, n)
					for j := range s {
						s[j] = float32(spread * r.NormFloat64())
						dp[j] = float32(r.NormFloat64())
					}
					// float64: p, lse and ds = scale·p∘(dP − Σ p·dP).
					m := math.Inf(-1)
					for _, x := range s {
						m = max(m, scale*float64(x))
					}
					var l float64
					for _, x := range s {
						l += math.Exp(scale*float64(x) - m)
					}
					wantLSE := m + math.Log(l)
					// float32 rounds scale·x and the shift: a relative error
					// in p of a few units in the last place of the exponent.
					tol := func(x float32) float64 { return 3e-7 * (2 + math.Abs(scale*float64(x)) + math.Abs(wantLSE)) }
					wantP, wantDS := make([]float64, n), make([]float64, n)
					var D, dD float64
					for j, x := range s {
						wantP[j] = math.Exp(scale*float64(x) - wantLSE)
						D += wantP[j] * float64(dp[j])
						dD += wantP[j] * math.Abs(float64(dp[j])) * (tol(x) + float64(n)*1.2e-7)
					}
					for j := range s {
						wantDS[j] = scale * (wantP[j] * (float64(dp[j]) - D))
					}

					p := append([]float32(nil), s...)
					lse := row(p, scale)
					if e := math.Abs(float64(lse) - wantLSE); e > 1e-6*max(1, math.Abs(wantLSE)) {
						t.Fatalf("n=%d spread %v: lse %v, want %v", n, spread, lse, wantLSE)
					}
					for j := range p {
						if e := math.Abs(float64(p[j]) - wantP[j]); e > tol(s[j])*wantP[j]+1e-30 {
							t.Fatalf("n=%d spread %v: p[%d] = %v, want %v", n, spread, j, p[j], wantP[j])
						}
					}
					g, ds := append([]float32(nil), s...), append([]float32(nil), dp...)
					grad(g, ds, scale, float32(wantLSE))
					for j := range g {
						if e := math.Abs(float64(g[j]) - wantP[j]); e > tol(s[j])*wantP[j]+1e-30 {
							t.Fatalf("n=%d spread %v: grad's p[%d] = %v, want %v", n, spread, j, g[j], wantP[j])
						}
						bound := scale * wantP[j] * (2*tol(s[j])*math.Abs(float64(dp[j])-D) + dD + 1e-6)
						if e := math.Abs(float64(ds[j]) - wantDS[j]); e > bound+1e-30 {
							t.Fatalf("n=%d spread %v: ds[%d] = %v, want %v (bound %.3g)", n, spread, j, ds[j], wantDS[j], bound)
						}
					}
				}
			}
		})
	}
}

// BenchmarkAttention times the fused attention forward and backward on the
// fast device (and the reference) at the shapes of DiT-Tiny/4 (batch 64,
// 3 heads, 49 tokens, head size 64) and DiT-S/2 (batch 8, 6 heads, 256
// tokens, 64). GFLOP/s counts the two products of the forward, 4·B·H·T²·Dh,
// and the five of the backward (P recomputed), 10·B·H·T²·Dh.
func BenchmarkAttention(b *testing.B) {
	for _, s := range []tensor.AttentionArgs{
		{B: 64, H: 3, T: 49, Dh: 64, Scale: 0.125},
		{B: 32, H: 6, T: 64, Dh: 64, Scale: 0.125},
		{B: 8, H: 6, T: 256, Dh: 64, Scale: 0.125},
	} {
		for _, dev := range []tensor.Device{fastcpu.New(), tensor.NewCPU()} {
			n := s.B * s.H * s.T * s.Dh
			qkv, out, dout := tensor.Full(dev, 0.1, 3*n), tensor.New(dev, n), tensor.Full(dev, 1, n)
			lse, dqkv := tensor.New(dev, s.B*s.H*s.T), tensor.New(dev, 3*n)
			flop := float64(s.B*s.H*s.T*s.T*s.Dh) * 2
			name := fmt.Sprintf("B=%d_H=%d_T=%d_Dh=%d/%s", s.B, s.H, s.T, s.Dh, deviceLabel(dev))
			b.Run("forward/"+name, func(b *testing.B) {
				for b.Loop() {
					dev.Attention(out.Buffer(), lse.Buffer(), qkv.Buffer(), s)
				}
				b.ReportMetric(2*flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run("backward/"+name, func(b *testing.B) {
				for b.Loop() {
					dev.AttentionBackward(dqkv.Buffer(), dout.Buffer(), qkv.Buffer(), out.Buffer(), lse.Buffer(), s)
				}
				b.ReportMetric(5*flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			for _, t := range []*tensor.Tensor{qkv, out, dout, lse, dqkv} {
				t.Release()
			}
		}
	}
}
