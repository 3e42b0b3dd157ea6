package fastcpu_test

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// BenchmarkMatMul reports the GFLOP/s (2·M·N·K per product) of the fast
// device, and of the reference for the small sizes, on square products and
// on the Linear layers of the DiT: "fast" in float32, "fast-bf16" with
// MatMulArgs.BF16 on the same device (the emulation, or VDPBF16PS on
// avx512bf16), and, where the CPU has AVX512_BF16 and the device does not
// use it already, "fast-bf16-dpbf16" on the avx512bf16 set. DITGO_CPU_KERNEL
// picks the fast device's instruction set, and with it the micro-kernel
// (avx512, avx512bf16, avx2, generic); set, it leaves out fast-bf16-dpbf16.
// To compare float32 and bfloat16 on a shared machine, run the command a
// few times with -count 1, so that they alternate, and take medians.
//
// Napkin math for this project's machines: 2 cores × 2 FMA ports × 16 lanes
// × 2 FLOP × clock; at 2.7 GHz that is about 345 GFLOP/s with AVX-512 and
// half of it with AVX2. BenchmarkFMAPeak measures it; run both in one
// command and compare, since the clock of a shared machine moves.
func BenchmarkMatMul(b *testing.B) {
	var shapes []matmulShape
	for _, s := range []int{256, 512, 1024, 2048} {
		shapes = append(shapes, matmulShape{name: fmt.Sprintf("size=%d", s), m: s, n: s, k: s, withReference: s <= 512})
	}
	// The Linear layers of the DiT on the tokens of a batch: forward
	// x [T, in] · Wᵀ + bias (W stored [out, in]) for DiT-Tiny (hidden 192,
	// batch 64 × 49 tokens) qkv, MLP up and MLP down, and a DiT-S/2-like
	// qkv (8192 tokens, hidden 384); and the two products of the qkv
	// backward pass, dx = dy · W and dW += dyᵀ · x.
	for _, s := range []matmulShape{
		{name: "dit-tiny-qkv", m: 3136, n: 576, k: 192, transB: true, bias: true},
		{name: "dit-tiny-mlp-up", m: 3136, n: 768, k: 192, transB: true, bias: true},
		{name: "dit-tiny-mlp-down", m: 3136, n: 192, k: 768, transB: true, bias: true},
		{name: "dit-s-qkv", m: 8192, n: 1152, k: 384, transB: true, bias: true},
		{name: "dit-tiny-qkv-dx", m: 3136, n: 192, k: 576},
		{name: "dit-tiny-qkv-dW", m: 576, n: 192, k: 3136, transA: true, accumulate: true},
		{name: "dit-s4-qkv", m: 2048, n: 1152, k: 384, transB: true, bias: true},
		{name: "dit-s4-mlp-up", m: 2048, n: 1536, k: 384, transB: true, bias: true},
		{name: "dit-s4-mlp-down", m: 2048, n: 384, k: 1536, transB: true, bias: true},
		{name: "dit-s4-qkv-dx", m: 2048, n: 384, k: 1152},
		{name: "dit-s4-mlp-down-dx", m: 2048, n: 1536, k: 384},
		{name: "dit-s4-qkv-dW", m: 1152, n: 384, k: 2048, transA: true, accumulate: true},
		{name: "dit-s4-mlp-down-dW", m: 384, n: 1536, k: 2048, transA: true, accumulate: true},
	} {
		s.name = fmt.Sprintf("%s_M=%d_N=%d_K=%d", s.name, s.m, s.n, s.k)
		shapes = append(shapes, s)
	}

	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			fast := fastcpu.New()
			runs := []matmulRun{{"fast", fast, false}, {"fast-bf16", fast, true}}
			if os.Getenv("DITGO_CPU_KERNEL") == "" && fastcpu.InstructionSetName(fast) != "avx512bf16" {
				if dp := fastcpu.NewWithInstructionSet("avx512bf16"); dp != nil {
					runs = append(runs, matmulRun{"fast-bf16-dpbf16", dp, true})
				}
			}
			if s.withReference {
				runs = append(runs, matmulRun{"reference", tensor.NewCPU(), false})
			}
			for _, r := range runs {
				b.Run(r.label, func(b *testing.B) { benchMatMul(b, r.dev, s, r.bf16) })
			}
		})
	}
}

// matmulShape is one product of BenchmarkMatMul.
type matmulShape struct {
	name             string
	m, n, k          int
	transA, transB   bool
	bias, accumulate bool
	withReference    bool // also time the reference device
}

// matmulRun is one device of BenchmarkMatMul, and whether its products
// are BF16.
type matmulRun struct {
	label string
	dev   tensor.Device
	bf16  bool
}

func deviceLabel(dev tensor.Device) string {
	if _, ok := dev.(*fastcpu.Device); ok {
		return "fast"
	}
	return "reference"
}

func benchMatMul(b *testing.B, dev tensor.Device, s matmulShape, bf16 bool) {
	out, x, w := dev.Alloc(tensor.Float32, s.m*s.n), dev.Alloc(tensor.Float32, s.m*s.k), dev.Alloc(tensor.Float32, s.k*s.n)
	dev.Fill(out, 0, s.m*s.n)
	dev.Fill(x, 0.5, s.m*s.k)
	dev.Fill(w, 0.25, s.k*s.n)
	var bias tensor.Buffer
	if s.bias {
		bias = dev.Alloc(tensor.Float32, s.n)
		dev.Fill(bias, 1, s.n)
	}
	args := tensor.MatMulArgs{Batch: 1, M: s.m, N: s.n, K: s.k, TransA: s.transA, TransB: s.transB, Accumulate: s.accumulate}
	if bf16 {
		args.Round = tensor.RoundToBF16
	}
	dev.MatMul(out, x, w, bias, nil, args) // warm the packing buffers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dev.MatMul(out, x, w, bias, nil, args)
	}
	b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.Logf("%s", dev.Name())
}

// BenchmarkFMAPeak reports the FMA peak of the micro-kernel's instruction
// set (DITGO_CPU_KERNEL picks it): a loop of independent FMAs with no
// memory traffic, on one goroutine and on GOMAXPROCS goroutines at once.
func BenchmarkFMAPeak(b *testing.B) {
	loop, flop := fastcpu.FMAPeak()
	if loop == nil {
		b.Skip("the pure-Go kernel has no FMA peak loop")
	}
	benchPeak(b, loop, flop)
}

// BenchmarkBF16Peak reports the peak of the VDPBF16PS kernel (avx512bf16)
// in the same way: 16 independent VDPBF16PS, each 16 lanes × 2 products.
// An instruction does twice an FMA's work; whether it reaches twice the
// FMA peak depends on the CPU (on Emerald Rapids it reaches half of it).
func BenchmarkBF16Peak(b *testing.B) {
	loop, flop := fastcpu.BF16Peak()
	if loop == nil {
		b.Skip("this CPU has no AVX512_BF16")
	}
	benchPeak(b, loop, flop)
}

func benchPeak(b *testing.B, loop func(n int), flop int) {
	const n = 1 << 20 // iterations of the loop per goroutine and b.N
	for _, threads := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			for b.Loop() {
				var wg sync.WaitGroup
				for range threads {
					wg.Go(func() { loop(n) })
				}
				wg.Wait()
			}
			b.ReportMetric(float64(flop)*n*float64(threads)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
