package tensor

import (
	"fmt"
	"math"
)

// Add returns a + b. b may broadcast (see Binary).
func Add(a, b *Tensor) *Tensor { return Binary(OpAdd, a, b) }

// Sub returns a - b. b may broadcast (see Binary).
func Sub(a, b *Tensor) *Tensor { return Binary(OpSub, a, b) }

// Mul returns a · b elementwise. b may broadcast (see Binary).
func Mul(a, b *Tensor) *Tensor { return Binary(OpMul, a, b) }

// Div returns a / b elementwise. b may broadcast (see Binary).
func Div(a, b *Tensor) *Tensor { return Binary(OpDiv, a, b) }

// Max returns the elementwise maximum; Max(x, scalar) clamps from below.
func Max(a, b *Tensor) *Tensor { return Binary(OpMax, a, b) }

// Min returns the elementwise minimum; Min(x, scalar) clamps from above.
func Min(a, b *Tensor) *Tensor { return Binary(OpMin, a, b) }

// GreaterEqual returns 1 where a ≥ b and 0 elsewhere.
func GreaterEqual(a, b *Tensor) *Tensor { return Binary(OpGreaterEqual, a, b) }

// Binary returns a ∘ b with the shape of a.
//
// b broadcasts the way NumPy does, with one limit that keeps the kernel a
// single division: after aligning b's shape to the right of a's, the axes
// where b has size 1 and a does not must be adjacent. Then a is viewed as
// [outer, mid, inner], b as [outer, inner], and
//
//	out[o,m,i] = a[o,m,i] ∘ b[o,i]
//
// This covers every broadcast in a DiT: a bias [D] over [N, D], a per-sample
// vector [B, 1, D] over [B, T, D], the position table [T, D] over [B, T, D],
// and a scalar over anything.
func Binary(op BinaryOp, a, b *Tensor) *Tensor {
	name := op.String()
	dev := mustSameDevice(name, a, b)
	mustFloat(name, a, b)
	outer, mid, inner := broadcastShape(name, a.shape, b.shape)
	out := New(dev, a.shape...)
	dev.Binary(op, out.buf, a.buf, b.buf, outer, mid, inner)
	return out
}

// BinaryInto computes a ∘ b into out, which may be a itself: AddInto(g, g, x)
// accumulates x into g.
func BinaryInto(op BinaryOp, out, a, b *Tensor) {
	name := op.String() + "Into"
	dev := mustSameDevice(name, out, a, b)
	mustFloat(name, out, a, b)
	mustSameShape(name, out, a)
	outer, mid, inner := broadcastShape(name, a.shape, b.shape)
	dev.Binary(op, out.buf, a.buf, b.buf, outer, mid, inner)
}

// broadcastShape returns the [outer, mid, inner] view of a under which b,
// viewed as [outer, inner], is repeated along mid. It panics, naming both
// shapes, when b does not broadcast to a under Binary's rule.
func broadcastShape(op string, a, b []int) (outer, mid, inner int) {
	fail := func() {
		panic(fmt.Sprintf("tensor.%s: shape %v does not broadcast to %v (the size-1 axes must be adjacent)", op, b, a))
	}
	if len(b) > len(a) {
		fail()
	}
	lo, hi := -1, -1 // the broadcast axes of a are [lo, hi)
	for i := range a {
		bi := 1
		if j := i - (len(a) - len(b)); j >= 0 {
			bi = b[j]
		}
		switch {
		case bi == a[i]:
		case bi == 1:
			if lo < 0 {
				lo = i
			}
			hi = i + 1
		default:
			fail()
		}
	}
	if lo < 0 {
		return 1, 1, numel(a)
	}
	// An axis inside [lo, hi) that b does not broadcast must have size 1.
	for i := lo; i < hi; i++ {
		bi := 1
		if j := i - (len(a) - len(b)); j >= 0 {
			bi = b[j]
		}
		if bi != 1 && a[i] != 1 {
			fail()
		}
	}
	return numel(a[:lo]), numel(a[lo:hi]), numel(a[hi:])
}

// BinaryRef computes, for o < outer, m < mid, i < inner:
//
//	out[o,m,i] = a[o,m,i] ∘ b[o,i]
//
// with ∘ one of +, −, ·, /, max, min, or ≥ (giving 1 or 0).
func BinaryRef[F Float](op BinaryOp, out, a, b []F, outer, mid, inner int) {
	for o := range outer {
		for m := range mid {
			for i := range inner {
				x, y := a[(o*mid+m)*inner+i], b[o*inner+i]
				var r F
				switch op {
				case OpAdd:
					r = x + y
				case OpSub:
					r = x - y
				case OpMul:
					r = x * y
				case OpDiv:
					r = x / y
				case OpMax:
					r = max(x, y)
				case OpMin:
					r = min(x, y)
				case OpGreaterEqual:
					if x >= y {
						r = 1
					}
				}
				out[(o*mid+m)*inner+i] = r
			}
		}
	}
}

// Scale returns alpha · x.
func Scale(x *Tensor, alpha float32) *Tensor {
	dev := mustSameDevice("Scale", x)
	mustFloat("Scale", x)
	out := New(dev, x.shape...)
	dev.Scale(out.buf, x.buf, alpha, x.Numel())
	return out
}

// ScaleRef computes out[i] = alpha · x[i].
func ScaleRef[F Float](out, x []F, alpha F) {
	for i := range out {
		out[i] = alpha * x[i]
	}
}

// FillRef sets every out[i] = value.
func FillRef[F Float](out []F, value F) {
	for i := range out {
		out[i] = value
	}
}

// Fill sets every element of t to value.
func Fill(t *Tensor, value float32) {
	dev := mustSameDevice("Fill", t)
	mustFloat("Fill", t)
	dev.Fill(t.buf, value, t.Numel())
}

// GatedResidual returns x + gate·y, the residual update of an adaLN-Zero block.
//
//	x, y: [B, T, D]
//	gate: [B, D]      (one gate per sample, broadcast over tokens)
func GatedResidual(x, gate, y *Tensor) *Tensor {
	dev := mustSameDevice("GatedResidual", x, gate, y)
	mustFloat("GatedResidual", x, gate, y)
	mustSameShape("GatedResidual", x, y)
	if x.Rank() != 3 || !sameDims(gate.shape, x.Dim(0), x.Dim(2)) {
		panic(fmt.Sprintf("tensor.GatedResidual: x %v, gate %v: want x [B, T, D] and gate [B, D]", x.shape, gate.shape))
	}
	out := New(dev, x.shape...)
	dev.GatedResidual(out.buf, x.buf, gate.buf, y.buf, x.Dim(0), x.Dim(1), x.Dim(2))
	return out
}

// GatedResidualRef computes, for b < B, t < T, d < D:
//
//	out[b,t,d] = x[b,t,d] + gate[b,d] · y[b,t,d]
func GatedResidualRef[F Float](out, x, gate, y []F, nB, nT, nD int) {
	for b := range nB {
		for t := range nT {
			for d := range nD {
				i := (b*nT+t)*nD + d
				out[i] = x[i] + gate[b*nD+d]*y[i]
			}
		}
	}
}

// SiLU returns x·σ(x) elementwise.
func SiLU(x *Tensor) *Tensor { return Unary(OpSiLU, x) }

// GELU returns the tanh approximation of GELU, as DiT's MLP uses:
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func GELU(x *Tensor) *Tensor { return Unary(OpGELU, x) }

// Exp returns eˣ elementwise.
func Exp(x *Tensor) *Tensor { return Unary(OpExp, x) }

// Log returns the natural logarithm elementwise.
func Log(x *Tensor) *Tensor { return Unary(OpLog, x) }

// Tanh returns tanh(x) elementwise.
func Tanh(x *Tensor) *Tensor { return Unary(OpTanh, x) }

// Unary returns f(x) elementwise for the function op selects.
func Unary(op UnaryOp, x *Tensor) *Tensor {
	dev := mustSameDevice(op.String(), x)
	mustFloat(op.String(), x)
	out := New(dev, x.shape...)
	dev.Unary(op, out.buf, x.buf, x.Numel())
	return out
}

// UnaryBackward returns dy·f'(x), given the input x and the output y = f(x)
// of the forward call (each rule uses whichever is cheaper).
func UnaryBackward(op UnaryOp, dy, x, y *Tensor) *Tensor {
	name := op.String() + "Backward"
	dev := mustSameDevice(name, dy, x, y)
	mustFloat(name, dy, x, y)
	mustSameShape(name, dy, x)
	mustSameShape(name, dy, y)
	dx := New(dev, x.shape...)
	dev.UnaryBackward(op, dx.buf, dy.buf, x.buf, y.buf, x.Numel())
	return dx
}

// geluC is √(2/π), the constant of the tanh approximation of GELU.
var geluC = math.Sqrt(2 / math.Pi)

// UnaryRef computes out[i] = f(x[i]) with f chosen by op:
//
//	SiLU  x/(1+e⁻ˣ)
//	GELU  0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
//	Exp   eˣ
//	Log   ln x
//	Tanh  tanh x
func UnaryRef[F Float](op UnaryOp, out, x []F) {
	for i, xf := range x {
		v := float64(xf)
		var r float64
		switch op {
		case OpSiLU:
			r = v / (1 + math.Exp(-v))
		case OpGELU:
			r = 0.5 * v * (1 + math.Tanh(geluC*(v+0.044715*v*v*v)))
		case OpExp:
			r = math.Exp(v)
		case OpLog:
			r = math.Log(v)
		case OpTanh:
			r = math.Tanh(v)
		}
		out[i] = F(r)
	}
}

// UnaryBackwardRef computes dx[i] = dy[i]·f'(x[i]), where y[i] = f(x[i]):
//
//	SiLU  f' = σ(x)·(1 + x·(1 − σ(x)))
//	GELU  f' = 0.5·(1+t) + 0.5·x·(1−t²)·√(2/π)·(1 + 3·0.044715·x²),  t = tanh(√(2/π)·(x + 0.044715·x³))
//	Exp   f' = y
//	Log   f' = 1/x
//	Tanh  f' = 1 − y²
func UnaryBackwardRef[F Float](op UnaryOp, dx, dy, x, y []F) {
	for i := range dx {
		v, out := float64(x[i]), float64(y[i])
		var d float64
		switch op {
		case OpSiLU:
			s := 1 / (1 + math.Exp(-v))
			d = s * (1 + v*(1-s))
		case OpGELU:
			t := math.Tanh(geluC * (v + 0.044715*v*v*v))
			d = 0.5*(1+t) + 0.5*v*(1-t*t)*geluC*(1+3*0.044715*v*v)
		case OpExp:
			d = out
		case OpLog:
			d = 1 / v
		case OpTanh:
			d = 1 - out*out
		}
		dx[i] = dy[i] * F(d)
	}
}
