package tensor

import "math"

// Unary on the fast device spreads the elements over the cores and
// evaluates tanh-GELU through the logistic function, which needs one exp
// instead of math.Tanh's several:
//
//	0.5·x·(1 + tanh(u)) = x·σ(2u),   u = √(2/π)·(x + 0.044715·x³)
func (d *FastCPU) Unary(op UnaryOp, outB, xB Buffer, n int) {
	out, x := d.f(outB)[:n], d.f(xB)[:n]
	parallelFor(n, 20, func(lo, hi int) {
		switch op {
		case OpGELU:
			for i := lo; i < hi; i++ {
				v := float64(x[i])
				u := geluC * (v + 0.044715*v*v*v)
				out[i] = float32(v / (1 + math.Exp(-2*u)))
			}
		case OpSiLU:
			for i := lo; i < hi; i++ {
				v := float64(x[i])
				out[i] = float32(v / (1 + math.Exp(-v)))
			}
		default:
			unaryRef(op, out[lo:hi], x[lo:hi])
		}
	})
}

// UnaryBackward on the fast device: the same split over the cores, and
// GELU's tanh again through the logistic function, tanh(u) = 2σ(2u) − 1.
func (d *FastCPU) UnaryBackward(op UnaryOp, dxB, dyB, xB, yB Buffer, n int) {
	dx, dy, x, y := d.f(dxB)[:n], d.f(dyB)[:n], d.f(xB)[:n], d.f(yB)[:n]
	parallelFor(n, 20, func(lo, hi int) {
		switch op {
		case OpGELU:
			for i := lo; i < hi; i++ {
				v := float64(x[i])
				u := geluC * (v + 0.044715*v*v*v)
				t := 2/(1+math.Exp(-2*u)) - 1
				g := 0.5*(1+t) + 0.5*v*(1-t*t)*geluC*(1+3*0.044715*v*v)
				dx[i] = dy[i] * float32(g)
			}
		case OpSiLU:
			for i := lo; i < hi; i++ {
				v := float64(x[i])
				s := 1 / (1 + math.Exp(-v))
				dx[i] = dy[i] * float32(s*(1+v*(1-s)))
			}
		default:
			unaryBackwardRef(op, dx[lo:hi], dy[lo:hi], x[lo:hi], y[lo:hi])
		}
	})
}
