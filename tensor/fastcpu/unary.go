package fastcpu

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// Unary on the fast device spreads the elements over the cores, computes
// in float32 with exp32, and evaluates tanh-GELU through the logistic
// function, which needs one exp instead of math.Tanh's several:
//
//	0.5·x·(1 + tanh(u)) = x·σ(2u),   u = √(2/π)·(x + 0.044715·x³)
//
// Where the CPU's instruction set has a vector GELU or SiLU
// (unary_amd64.s, the same arithmetic on 16 or 8 lanes), it takes the
// whole vectors of each share and this loop the rest.
func (d *Device) Unary(op tensor.UnaryOp, outB, xB tensor.Buffer, n int) {
	out, x := d.Floats(outB)[:n], d.Floats(xB)[:n]
	parallelFor(n, 20, func(lo, hi int) {
		switch op {
		case tensor.OpGELU:
			if set := d.set; set.gelu != nil {
				v := lo + (hi-lo)/set.lanes*set.lanes
				set.gelu(out[lo:v], x[lo:v])
				lo = v
			}
			for i := lo; i < hi; i++ {
				v := x[i]
				u := float32(geluC) * (v + 0.044715*v*v*v)
				out[i] = v / (1 + exp32(expClamp(-2*u)))
			}
		case tensor.OpSiLU:
			d.siluRow(out[lo:hi], x[lo:hi])
		default:
			tensor.UnaryRef(op, out[lo:hi], x[lo:hi])
		}
	})
}

// UnaryBackward on the fast device: the same split over the cores (and
// vector GELU), and GELU's tanh again through the logistic function,
// tanh(u) = 2σ(2u) − 1.
func (d *Device) UnaryBackward(op tensor.UnaryOp, dxB, dyB, xB, yB tensor.Buffer, n int) {
	dx, dy, x, y := d.Floats(dxB)[:n], d.Floats(dyB)[:n], d.Floats(xB)[:n], d.Floats(yB)[:n]
	parallelFor(n, 20, func(lo, hi int) {
		switch op {
		case tensor.OpGELU:
			if set := d.set; set.geluBackward != nil {
				v := lo + (hi-lo)/set.lanes*set.lanes
				set.geluBackward(dx[lo:v], dy[lo:v], x[lo:v])
				lo = v
			}
			for i := lo; i < hi; i++ {
				// With s = σ(2u) and e = exp(−2u): ½(1+tanh u) = s and
				// ½(1−tanh²u) = 2s(1−s), where 1−s = e·s keeps its digits
				// when s rounds to 1.
				v := x[i]
				u := float32(geluC) * (v + 0.044715*v*v*v)
				e := exp32(expClamp(-2 * u))
				s := 1 / (1 + e)
				es := e * s // before v·e can overflow
				dx[i] = dy[i] * s * (1 + 2*float32(geluC)*v*es*(1+3*0.044715*v*v))
			}
		case tensor.OpSiLU:
			d.siluGradRow(dx[lo:hi], dy[lo:hi], x[lo:hi])
		default:
			tensor.UnaryBackwardRef(op, dx[lo:hi], dy[lo:hi], x[lo:hi], y[lo:hi])
		}
	})
}

// siluRow computes out = x·σ(x) = x/(1 + e^−x), in the instruction set's
// vector loop where it has one and in Go for the rest; out may be x.
func (d *Device) siluRow(out, x []float32) {
	lo := 0
	if set := d.set; set.silu != nil {
		lo = len(x) / set.lanes * set.lanes
		set.silu(out[:lo], x[:lo])
	}
	for i := lo; i < len(x); i++ {
		out[i] = x[i] / (1 + exp32(expClamp(-x[i])))
	}
}

// siluGradRow computes dx = dy·σ(x)·(1 + x·(1 − σ(x))), SiLU's backward,
// as siluRow computes SiLU; dx may be dy or x.
func (d *Device) siluGradRow(dx, dy, x []float32) {
	lo := 0
	if set := d.set; set.siluBackward != nil {
		lo = len(x) / set.lanes * set.lanes
		set.siluBackward(dx[:lo], dy[:lo], x[:lo])
	}
	for i := lo; i < len(x); i++ {
		// 1 − s as e·s, which keeps its digits when s rounds to 1.
		v := x[i]
		e := exp32(expClamp(-v))
		s := 1 / (1 + e)
		dx[i] = dy[i] * s * (1 + v*(e*s))
	}
}

// geluC is √(2/π), the constant of the tanh approximation of GELU, computed
// as tensor.UnaryRef computes it.
var geluC = math.Sqrt(2 / math.Pi)
