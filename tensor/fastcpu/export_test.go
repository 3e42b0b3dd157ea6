package fastcpu

import "math"

// Exp32 exposes exp32 to the external tests.
var Exp32 = exp32

// SoftmaxRowLoops returns the attention row loops of the instruction set
// named ("go" for the Go loops), or ok = false where this CPU cannot run
// that set or the set has none.
func SoftmaxRowLoops(name string) (row func([]float32, float32) float32, grad func(p, ds []float32, scale, lse float32), ok bool) {
	if name == "go" {
		return softmaxRow, softmaxGradRow, true
	}
	for _, s := range instructionSets() {
		if s.name == name && s.softmaxRow != nil {
			return s.softmaxRow, s.softmaxGradRow, true
		}
	}
	return nil, nil, false
}

// InstructionSetNames lists the instruction sets this CPU can run, for the
// external tests that force each with DITGO_CPU_KERNEL.
func InstructionSetNames() []string {
	var names []string
	for _, s := range instructionSets() {
		names = append(names, s.name)
	}
	return names
}

// FMAPeak returns the FMA peak loop of the instruction set that New picks
// (nil for plain Go) and the FLOP of one iteration, for BenchmarkFMAPeak.
func FMAPeak() (loop func(n int), flopPerIteration int) {
	g := New().set.gemm
	return g.peak, g.peakFLOP
}

// BF16Peak returns the peak loop of the VDPBF16PS kernel (avx512bf16) and
// the FLOP of one iteration, or nil where this CPU has no AVX512_BF16.
func BF16Peak() (loop func(n int), flopPerIteration int) {
	s := findInstructionSet("avx512bf16")
	if s == nil {
		return nil, 0
	}
	return s.gemmBF16.peak, s.gemmBF16.peakFLOP
}

// NewWithInstructionSet returns the fast device with the instruction set
// named, or nil where this CPU cannot run it, whatever DITGO_CPU_KERNEL
// says.
func NewWithInstructionSet(name string) *Device {
	s := findInstructionSet(name)
	if s == nil {
		return nil
	}
	return newDevice(s, smallProduct)
}

// InstructionSetName returns the name of the instruction set dev runs.
func InstructionSetName(dev *Device) string { return dev.set.name }

// PoisonConvScratch puts six buffers of n NaNs into the convolution's pool
// of scratch, so that a test run next reads NaNs wherever a kernel reads
// scratch that it did not write, in any buffer of up to n floats (a pool
// may drop its buffers at a garbage collection, so the test is as good as
// the pool keeps them).
func PoisonConvScratch(n int) {
	for range 6 {
		buf := make([]float32, n)
		for i := range buf {
			buf[i] = float32(math.NaN())
		}
		convScratch.Put(&buf)
	}
}
