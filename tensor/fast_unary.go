package tensor

import "math"

// Unary on the fast device spreads the elements over the cores, computes
// in float32 with exp32, and evaluates tanh-GELU through the logistic
// function, which needs one exp instead of math.Tanh's several:
//
//	0.5·x·(1 + tanh(u)) = x·σ(2u),   u = √(2/π)·(x + 0.044715·x³)
//
// Where the CPU's kernel set has a vector GELU (gelu_amd64.s, the same
// arithmetic on 16 or 8 lanes), it takes the whole vectors of each share and
// this loop the rest.
func (d *FastCPU) Unary(op UnaryOp, outB, xB Buffer, n int) {
	out, x := d.Floats(outB)[:n], d.Floats(xB)[:n]
	parallelFor(n, 20, func(lo, hi int) {
		switch op {
		case OpGELU:
			if k := d.kernel; k.gelu != nil {
				v := lo + (hi-lo)/k.lanes*k.lanes
				k.gelu(out[lo:v], x[lo:v])
				lo = v
			}
			for i := lo; i < hi; i++ {
				v := x[i]
				u := float32(geluC) * (v + 0.044715*v*v*v)
				out[i] = v / (1 + exp32(expClamp(-2*u)))
			}
		case OpSiLU:
			for i := lo; i < hi; i++ {
				out[i] = x[i] / (1 + exp32(expClamp(-x[i])))
			}
		default:
			UnaryRef(op, out[lo:hi], x[lo:hi])
		}
	})
}

// UnaryBackward on the fast device: the same split over the cores (and
// vector GELU), and GELU's tanh again through the logistic function,
// tanh(u) = 2σ(2u) − 1.
func (d *FastCPU) UnaryBackward(op UnaryOp, dxB, dyB, xB, yB Buffer, n int) {
	dx, dy, x, y := d.Floats(dxB)[:n], d.Floats(dyB)[:n], d.Floats(xB)[:n], d.Floats(yB)[:n]
	parallelFor(n, 20, func(lo, hi int) {
		switch op {
		case OpGELU:
			if k := d.kernel; k.geluBackward != nil {
				v := lo + (hi-lo)/k.lanes*k.lanes
				k.geluBackward(dx[lo:v], dy[lo:v], x[lo:v])
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
		case OpSiLU:
			for i := lo; i < hi; i++ {
				v := x[i]
				s := 1 / (1 + exp32(expClamp(-v)))
				dx[i] = dy[i] * s * (1 + v*(1-s))
			}
		default:
			UnaryBackwardRef(op, dx[lo:hi], dy[lo:hi], x[lo:hi], y[lo:hi])
		}
	})
}

// exp32 is eˣ in float32, to about one unit in the last place, without
// leaving float32: e^x = 2^k·e^r with k = round(x/ln 2) and |r| ≤ ln2/2,
// e^r from the minimax polynomial of Cephes' expf, and 2^k put straight
// into the exponent bits. x must lie in [−87.3, 88], where the result is a
// normal float32; expClamp puts it there (small enough to inline, like
// exp32 itself, which matters: it runs once per activation).
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375 // ln 2 split in two, so k·ln2hi is exact
		ln2lo = -2.12194440e-4
	)
	// k = round(x·log₂e): shift to positive before truncating.
	ki := int32(x*log2e+127.5) - 127
	r := x - float32(ki)*ln2hi - float32(ki)*ln2lo
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	return (p*r*r + r + 1) * math.Float32frombits(uint32(ki+127)<<23)
}

// expClamp limits x to [−87.3, 80]: inside the domain of exp32, and low
// enough that the logistic 1/(1 + eˣ) of GELU and SiLU stays a normal
// float32 (subnormals are slow on some CPUs and keep fewer digits).
func expClamp(x float32) float32 { return min(max(x, -87.3), 80) }
