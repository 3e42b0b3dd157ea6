package fastcpu

// geluAVX512 and geluBackwardAVX512 (unary_amd64.s) are tanh-GELU and its
// gradient on n elements, n a multiple of 16.
//
//go:noescape
func geluAVX512(out, x *float32, n int)

//go:noescape
func geluBackwardAVX512(dx, dy, x *float32, n int)

// geluAVX2 and geluBackwardAVX2 are the same on n elements, n a multiple
// of 8, with AVX2 and FMA.
//
//go:noescape
func geluAVX2(out, x *float32, n int)

//go:noescape
func geluBackwardAVX2(dx, dy, x *float32, n int)

// asmGELU and asmGELUBackward wrap the assembly loops in the slice forms
// of instructionSet.gelu and geluBackward: len(x) elements, a multiple of
// the lanes. The bounds checks keep a wrong call from writing outside out
// (dx).
func asmGELU(gelu func(out, x *float32, n int)) func(out, x []float32) {
	return func(out, x []float32) {
		if len(x) > 0 {
			_ = out[len(x)-1]
			gelu(&out[0], &x[0], len(x))
		}
	}
}

func asmGELUBackward(geluBackward func(dx, dy, x *float32, n int)) func(dx, dy, x []float32) {
	return func(dx, dy, x []float32) {
		if len(x) > 0 {
			_, _ = dx[len(x)-1], dy[len(x)-1]
			geluBackward(&dx[0], &dy[0], &x[0], len(x))
		}
	}
}
