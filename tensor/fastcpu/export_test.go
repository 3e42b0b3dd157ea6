package fastcpu

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
