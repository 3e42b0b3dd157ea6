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
// ones:
//
//   - MatMul runs a blocked, packed GEMM (gemm.go) whose inner tile is an
//     assembly micro-kernel: AVX-512 (12×32 tile) or AVX2+FMA (6×16), chosen
//     at start-up from what the CPU supports, or a pure-Go 4×4 kernel on
//     other CPUs and architectures. It runs on GOMAXPROCS goroutines.
//     Products with M·N·K below a few thousand run matmulRef, whose loop is
//     cheaper than packing.
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
	kernel *gemmKernel
	small  int // products with M·N·K below this run matmulRef
}

// fastCPUSmall is the M·N·K below which a product runs matmulRef.
const fastCPUSmall = 4096

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
	o, x, y, z := d.f(out), d.f(a), d.f(b), d.f(bias)
	if args.M*args.N*args.K < d.small {
		matmulRef(o, x, y, z, args)
		return
	}
	gemm(d.kernel, o, x, y, z, args, runtime.GOMAXPROCS(0))
}
