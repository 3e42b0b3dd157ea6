package fastcpu

// geluAVX512 and geluBackwardAVX512 (unary_amd64.s) are tanh-GELU and its
// gradient on n elements, n a multiple of 16.
//
//go:noescape
func geluAVX512(out, x *float32, n int)

//go:noescape
func geluBackwardAVX512(dx, dy, x *float32, n int)

// siluAVX512 and siluBackwardAVX512 (unary_amd64.s) are SiLU and its
// gradient on n elements, n a multiple of 16.
//
//go:noescape
func siluAVX512(out, x *float32, n int)

//go:noescape
func siluBackwardAVX512(dx, dy, x *float32, n int)

// geluAVX2 and geluBackwardAVX2 are the same on n elements, n a multiple
// of 8, with AVX2 and FMA.
//
//go:noescape
func geluAVX2(out, x *float32, n int)

//go:noescape
func geluBackwardAVX2(dx, dy, x *float32, n int)

// asmUnary and asmUnaryBackward wrap the assembly loops in the slice forms
// of instructionSet.gelu, geluBackward, silu and siluBackward: len(x)
// elements, a multiple of
// the lanes. The bounds checks keep a wrong call from writing outside out
// (dx).
func asmUnary(f func(out, x *float32, n int)) func(out, x []float32) {
	return func(out, x []float32) {
		if len(x) > 0 {
			_ = out[len(x)-1]
			f(&out[0], &x[0], len(x))
		}
	}
}

func asmUnaryBackward(f func(dx, dy, x *float32, n int)) func(dx, dy, x []float32) {
	return func(dx, dy, x []float32) {
		if len(x) > 0 {
			_, _ = dx[len(x)-1], dy[len(x)-1]
			f(&dx[0], &dy[0], &x[0], len(x))
		}
	}
}
