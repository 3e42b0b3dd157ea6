package vk_test

import (
	"fmt"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/vk/vktest"
)

// BenchmarkMatMul reports the GFLOP/s (2·M·N·K per product) of the matmul
// shader: square products, and the Linear layers of DiT-S/2 (batch 64 ×
// 256 tokens, hidden 384) and DiT-XL/2 (batch 16 × 256 tokens, hidden
// 1152), forward (x·Wᵀ + bias) and the weight gradient (dyᵀ·x). Each timed
// iteration records 8 products and waits for them, so the submission and
// the wait are spread over the 8. The PyTorch peer (train/bench/peer.py
// --device cuda) times torch.mm at the same shapes. The "-bf16" shapes
// are the same products with MatMulArgs.Round = RoundToBF16, whose rounding of the
// operands (done as they are staged in shared memory) should cost little.
func BenchmarkMatMul(b *testing.B) {
	type shape struct {
		name           string
		m, n, k        int
		transA, transB bool
		bias           bool
		bf16           bool
	}
	shapes := []shape{
		{name: "size=1024", m: 1024, n: 1024, k: 1024},
		{name: "size=4096", m: 4096, n: 4096, k: 4096},
		{name: "dit-s2-qkv", m: 16384, n: 1152, k: 384, transB: true, bias: true},
		{name: "dit-s2-mlp-down", m: 16384, n: 384, k: 1536, transB: true, bias: true},
		{name: "dit-s2-qkv-dW", m: 1152, n: 384, k: 16384, transA: true},
		{name: "dit-xl2-qkv", m: 4096, n: 3456, k: 1152, transB: true, bias: true},
		{name: "dit-xl2-mlp-down", m: 4096, n: 1152, k: 4608, transB: true, bias: true},
		{name: "dit-xl2-qkv-dW", m: 3456, n: 1152, k: 4096, transA: true},
		{name: "size=4096-bf16", m: 4096, n: 4096, k: 4096, bf16: true},
		{name: "dit-xl2-qkv-bf16", m: 4096, n: 3456, k: 1152, transB: true, bias: true, bf16: true},
	}
	for _, s := range shapes {
		b.Run(fmt.Sprintf("%s_M=%d_N=%d_K=%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			dev := vktest.Open(b)
			out, x, w := dev.Alloc(tensor.Float32, s.m*s.n), dev.Alloc(tensor.Float32, s.m*s.k), dev.Alloc(tensor.Float32, s.k*s.n)
			defer dev.Free(out)
			defer dev.Free(x)
			defer dev.Free(w)
			dev.Fill(x, 0.5, s.m*s.k)
			dev.Fill(w, 0.25, s.k*s.n)
			var bias tensor.Buffer
			if s.bias {
				bias = dev.Alloc(tensor.Float32, s.n)
				defer dev.Free(bias)
				dev.Fill(bias, 1, s.n)
			}
			args := tensor.MatMulArgs{Batch: 1, M: s.m, N: s.n, K: s.k, TransA: s.transA, TransB: s.transB}
			if s.bf16 {
				args.Round = tensor.RoundToBF16
			}
			const perSync = 8
			dev.MatMul(out, x, w, bias, nil, args) // the pipeline is built here
			if err := dev.Sync(); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				for range perSync {
					dev.MatMul(out, x, w, bias, nil, args)
				}
				if err := dev.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*perSync*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
