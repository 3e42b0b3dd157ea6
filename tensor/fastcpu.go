package tensor

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// FastCPU is the float32 CPU device for real work. It embeds the reference
// device, so it shares its buffers and every kernel defaults to the
// reference loop; the kernels that dominate training are replaced by fast
// ones (this file and the fast_*.go files):
//
//   - MatMul runs a blocked, packed GEMM (gemm.go) whose inner tile is an
//     assembly micro-kernel (gemm_amd64.s): AVX-512 with a 12×32 tile and
//     AVX-512 packing, or AVX2+FMA with a 6×16 tile, chosen at start-up
//     from what the CPU supports with github.com/klauspost/cpuid/v2; on
//     other CPUs and architectures, a pure-Go 4×4 tile. It runs on
//     GOMAXPROCS goroutines; the helper goroutines stay awake (spinning)
//     for a few hundred microseconds after each matmul, because waking a
//     sleeping core costs about 80 µs on a virtual machine (team.go).
//     All transposes, the bias, Accumulate and batches take the fast path;
//     only products with M·N·K below 128, and K = 0, run MatMulRef.
//   - Attention runs its products as batched GEMMs and the row softmax and
//     its gradient in AVX-512 (softmax_amd64.s) where the CPU has it
//     (fast_attention.go); GELU (gelu_amd64.s, AVX-512 or AVX2), the
//     float64 column sums of Sum (sum_amd64.s) and AdamW (adamw_amd64.s,
//     the reference's bits) are vector loops too; the layer norms and
//     elementwise ops are float32 loops split over the cores. The vector loops belong to the matmul kernel's set, so
//     DITGO_CPU_KERNEL=generic gives the Go loops everywhere.
//
// Results are deterministic: they do not depend on the number of cores or on
// timing. They differ from the reference only by float32 rounding, because
// the sums are formed in another order.
//
// The environment variable DITGO_CPU_KERNEL forces the matmul micro-kernel,
// for tests and benchmarks: "avx512", "avx2" or "generic". NewFastCPU
// panics if the CPU cannot run the kernel named.
type FastCPU struct {
	*CPU[float32]
	kernel  *gemmKernel
	small   int // products with M·N·K below this run MatMulRef
	scratch gemmScratchCache
	pool    bufferPool // freed float32 storage, reused by length
}

// fastCPUSmall is the M·N·K below which a product runs MatMulRef: below it,
// the reference loop is as fast as packing (measured: 4×4×4 takes about
// 0.5 µs either way, 8×8×8 2.5 µs in MatMulRef and 0.8 µs in gemm).
const fastCPUSmall = 128

// NewFastCPU returns the fast float32 CPU device, with the fastest matmul
// kernel the CPU supports unless DITGO_CPU_KERNEL names one.
func NewFastCPU() *FastCPU {
	name := os.Getenv("DITGO_CPU_KERNEL")
	k := gemmKernels()[0]
	if name != "" {
		k = findGemmKernel(name)
		if k == nil {
			var have []string
			for _, k := range gemmKernels() {
				have = append(have, k.name)
			}
			panic(fmt.Sprintf("tensor.NewFastCPU: DITGO_CPU_KERNEL=%q, but this CPU runs only %s; unset it or pick one of those",
				name, strings.Join(have, ", ")))
		}
	}
	return newFastCPU(k, fastCPUSmall)
}

func newFastCPU(k *gemmKernel, small int) *FastCPU {
	return &FastCPU{CPU: NewCPU(), kernel: k, small: small}
}

// findGemmKernel returns the kernel of that name, or nil if this CPU cannot
// run it.
func findGemmKernel(name string) *gemmKernel {
	for _, k := range gemmKernels() {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (d *FastCPU) Name() string {
	return fmt.Sprintf("cpu (fast, %s %d×%d, %d threads)", d.kernel.name, d.kernel.mr, d.kernel.nr, runtime.GOMAXPROCS(0))
}

func (d *FastCPU) MatMul(out, a, b, bias Buffer, args MatMulArgs) {
	o, x, y, z := d.Floats(out), d.Floats(a), d.Floats(b), d.Floats(bias)
	if args.M*args.N*args.K < d.small {
		MatMulRef(o, x, y, z, args)
		return
	}
	gemm(d.kernel, &d.scratch, o, x, y, z, args, runtime.GOMAXPROCS(0))
}
