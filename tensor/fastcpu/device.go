package fastcpu

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/ditgo/ditgo/tensor"
)

// Device is the float32 CPU device for real work. It embeds the reference
// device, so it shares its buffers and every kernel defaults to the
// reference loop; the kernels that dominate training are replaced by fast
// ones (see the package overview for which, and where).
//
// Results are deterministic: they do not depend on the number of cores or on
// timing. They differ from the reference only by float32 rounding, because
// the sums are formed in another order.
//
// Freed float32 storage is kept in a pool for reuse (pool.go). Memory
// counts only the bytes that tensors hold, as on every device; PoolBytes
// reports what the pool keeps besides.
//
// The environment variable DITGO_CPU_KERNEL forces the instruction set, for
// tests and benchmarks: "avx512", "avx512bf16", "avx2" or "generic". New
// panics if the CPU cannot run the set named. The sets differ in BF16
// products too (gemm_bf16.go): avx512bf16 runs them with VDPBF16PS, the
// others emulate them on the float32 kernel, so DITGO_CPU_KERNEL=avx512
// forces the emulation on a CPU with AVX512_BF16.
type Device struct {
	*tensor.CPU[float32]
	set     *instructionSet
	small   int // products with M·N·K below this run tensor.MatMulRef
	scratch gemmScratchCache
	pool    bufferPool // freed float32 storage, reused by length
}

// New returns the fast float32 CPU device, with the fastest instruction
// set the CPU supports unless DITGO_CPU_KERNEL names one.
func New() *Device {
	name := os.Getenv("DITGO_CPU_KERNEL")
	set := instructionSets()[0]
	if name != "" {
		set = findInstructionSet(name)
		if set == nil {
			var have []string
			for _, s := range instructionSets() {
				have = append(have, s.name)
			}
			panic(fmt.Sprintf("fastcpu.New: DITGO_CPU_KERNEL=%q, but this CPU runs only %s; unset it or pick one of those",
				name, strings.Join(have, ", ")))
		}
	}
	return newDevice(set, smallProduct)
}

func newDevice(set *instructionSet, small int) *Device {
	return &Device{CPU: tensor.NewCPU(), set: set, small: small}
}

// findInstructionSet returns the set of that name, or nil if this CPU
// cannot run it.
func findInstructionSet(name string) *instructionSet {
	for _, s := range instructionSets() {
		if s.name == name {
			return s
		}
	}
	return nil
}

func (d *Device) Name() string {
	return fmt.Sprintf("cpu (fast, %s %d×%d, %d threads)", d.set.name, d.set.gemm.mr, d.set.gemm.nr, runtime.GOMAXPROCS(0))
}
