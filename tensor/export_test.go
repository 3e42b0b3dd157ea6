package tensor

// Exp32 exposes exp32 to the external tests.
var Exp32 = exp32

// SoftmaxRowLoops returns the attention row loops of the kernel set named
// ("go" for the Go loops), or ok = false where this CPU cannot run that set
// or the set has none.
func SoftmaxRowLoops(name string) (row func([]float32, float32) float32, grad func(p, ds []float32, scale, lse float32), ok bool) {
	if name == "go" {
		return softmaxRow, softmaxGradRow, true
	}
	for _, k := range gemmKernels() {
		if k.name == name && k.softmaxRow != nil {
			return k.softmaxRow, k.softmaxGradRow, true
		}
	}
	return nil, nil, false
}
