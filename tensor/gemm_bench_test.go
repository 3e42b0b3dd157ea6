package tensor_test

import (
	"fmt"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// BenchmarkMatMul reports the GFLOP/s (2·M·N·K per product) of the fast
// device, and of the reference for the small sizes, on square products and
// on the Linear layers of the DiT. DITGO_CPU_KERNEL picks the fast device's
// micro-kernel (avx512, avx2, generic).
//
// Napkin math for this project's machines: 2 cores × 2 FMA ports × 16 lanes
// × 2 FLOP × clock; at 2.7 GHz that is about 345 GFLOP/s with AVX-512 and
// half of it with AVX2.
func BenchmarkMatMul(b *testing.B) {
	type shape struct {
		name          string
		m, n, k       int
		transB, bias  bool
		withReference bool
	}
	var shapes []shape
	for _, s := range []int{256, 512, 1024, 2048} {
		shapes = append(shapes, shape{name: fmt.Sprintf("size=%d", s), m: s, n: s, k: s, withReference: s <= 512})
	}
	// Linear layers on the tokens of a batch, x [T, in] · Wᵀ [in, out] + bias,
	// as the DiT runs them: DiT-Tiny (hidden 192, batch 64 × 49 tokens) qkv,
	// MLP up and MLP down, and a DiT-S/2-like qkv (8192 tokens, hidden 384).
	for _, s := range []shape{
		{name: "dit-tiny-qkv", m: 3136, n: 576, k: 192},
		{name: "dit-tiny-mlp-up", m: 3136, n: 768, k: 192},
		{name: "dit-tiny-mlp-down", m: 3136, n: 192, k: 768},
		{name: "dit-s-qkv", m: 8192, n: 1152, k: 384},
	} {
		s.name = fmt.Sprintf("%s_M=%d_N=%d_K=%d", s.name, s.m, s.n, s.k)
		s.transB, s.bias = true, true
		shapes = append(shapes, s)
	}

	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			devs := []tensor.Device{tensor.NewFastCPU()}
			if s.withReference {
				devs = append(devs, tensor.NewCPU())
			}
			for _, dev := range devs {
				b.Run(deviceLabel(dev), func(b *testing.B) { benchMatMul(b, dev, s.m, s.n, s.k, s.transB, s.bias) })
			}
		})
	}
}

func deviceLabel(dev tensor.Device) string {
	if _, ok := dev.(*tensor.FastCPU); ok {
		return "fast"
	}
	return "reference"
}

func benchMatMul(b *testing.B, dev tensor.Device, m, n, k int, transB, withBias bool) {
	out, x, w := dev.Alloc(tensor.Float32, m*n), dev.Alloc(tensor.Float32, m*k), dev.Alloc(tensor.Float32, k*n)
	dev.Fill(x, 0.5, m*k)
	dev.Fill(w, 0.25, k*n)
	var bias tensor.Buffer
	if withBias {
		bias = dev.Alloc(tensor.Float32, n)
		dev.Fill(bias, 1, n)
	}
	args := tensor.MatMulArgs{Batch: 1, M: m, N: n, K: k, TransB: transB}
	dev.MatMul(out, x, w, bias, args) // warm the packing buffers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dev.MatMul(out, x, w, bias, args)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.Logf("%s", dev.Name())
}
