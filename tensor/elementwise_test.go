package tensor_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Each function at a few points, from Python's math module:
//
//	SiLU  x/(1+math.exp(-x))
//	GELU  0.5*x*(1+math.tanh(math.sqrt(2/math.pi)*(x+0.044715*x**3)))
//	Tanh, Exp, Log  math.tanh, math.exp, math.log
//
// and its derivative, written out analytically in Python and confirmed by a
// five-point central difference (agreement to 1e-12):
//
//	SiLU  s + x*s*(1-s), s = 1/(1+math.exp(-x))
//	GELU  0.5*(1+t) + 0.5*x*(1-t*t)*c*(1+3*0.044715*x*x), t = math.tanh(c*(x+0.044715*x**3)), c = math.sqrt(2/math.pi)
//	Tanh  1 - math.tanh(x)**2;  Exp  math.exp(x);  Log  1/x
var unaryCases = []struct {
	op         tensor.UnaryOp
	x, y, dydx []float64
}{
	{
		tensor.OpSiLU,
		[]float64{-2, -0.5, 0, 1, 3},
		[]float64{-0.238405844044235, -0.188770334399073, 0, 0.731058578630005, 2.8577223804673},
		[]float64{-0.0907842487848955, 0.260038812697348, 0.5, 0.927670511871487, 1.08810410601517},
	},
	{
		tensor.OpGELU,
		[]float64{-2, -0.5, 0, 1, 3},
		[]float64{-0.0454023059122249, -0.154285990174856, 0, 0.841191990608277, 2.99636260791823},
		[]float64{-0.0860992566236183, 0.132630096465358, 0.5, 1.08296408384578, 1.01158416663097},
	},
	{
		tensor.OpTanh,
		[]float64{-2, -0.5, 0, 1, 3},
		[]float64{-0.964027580075817, -0.46211715726001, 0, 0.761594155955765, 0.99505475368673},
		[]float64{0.0706508248531644, 0.786447732965927, 1, 0.419974341614026, 0.00986603716544021},
	},
	{
		tensor.OpExp,
		[]float64{-1, 0, 1, 2},
		[]float64{0.367879441171442, 1, 2.71828182845905, 7.38905609893065},
		[]float64{0.367879441171442, 1, 2.71828182845905, 7.38905609893065},
	},
	{
		tensor.OpLog,
		[]float64{0.5, 1, 2, 10},
		[]float64{-0.693147180559945, 0, 0.693147180559945, 2.30258509299405},
		[]float64{2, 1, 0.5, 0.1},
	},
}

func TestUnary(t *testing.T) {
	for _, d := range devices {
		// The literals above carry 15 digits, so float64 is checked to 1e-13.
		tol := max(d.tol, 1e-13)
		for _, c := range unaryCases {
			n := len(c.x)
			x := tensor.FromFloat64(d.dev, c.x, n)
			y := tensor.Unary(c.op, x)
			wantTensor(t, d.name+" "+c.op.String(), y, []int{n}, c.y, tol)

			dy := tensor.Full(d.dev, 1, n)
			wantTensor(t, d.name+" "+c.op.String()+"Backward", tensor.UnaryBackward(c.op, dy, x, y), []int{n}, c.dydx, tol)
		}
	}
}

// The named wrappers pick the right function, and UnaryBackward scales by dy.
func TestUnaryWrappersAndUpstream(t *testing.T) {
	dev := tensor.NewCPU64()
	x := tensor.FromFloat64(dev, []float64{1}, 1)
	for _, c := range []struct {
		name string
		got  *tensor.Tensor
		want float64
	}{
		{"SiLU(1)", tensor.SiLU(x), 0.731058578630005},
		{"GELU(1)", tensor.GELU(x), 0.841191990608277},
		{"Exp(1)", tensor.Exp(x), 2.71828182845905},
		{"Log(1)", tensor.Log(x), 0},
		{"Tanh(1)", tensor.Tanh(x), 0.761594155955765},
	} {
		wantTensor(t, c.name, c.got, []int{1}, []float64{c.want}, 1e-13)
	}
	// dy = 3 at x = 1: 3·SiLU'(1) = 3·0.927670511871487.
	dy := tensor.FromFloat64(dev, []float64{3}, 1)
	wantTensor(t, "3·SiLU'(1)", tensor.UnaryBackward(tensor.OpSiLU, dy, x, tensor.SiLU(x)), []int{1}, []float64{2.783011535614461}, 1e-13)
}

// a = [1 2 3; 4 5 6], b = [2 4 8; -1 0.5 1], same shape, all four ops by hand.
func TestBinarySameShape(t *testing.T) {
	dev := tensor.NewCPU()
	a := tensor.FromSlice(dev, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice(dev, []float32{2, 4, 8, -1, 0.5, 1}, 2, 3)
	shape := []int{2, 3}
	wantTensor(t, "Add", tensor.Add(a, b), shape, []float64{3, 6, 11, 3, 5.5, 7}, 0)
	wantTensor(t, "Sub", tensor.Sub(a, b), shape, []float64{-1, -2, -5, 5, 4.5, 5}, 0)
	wantTensor(t, "Mul", tensor.Mul(a, b), shape, []float64{2, 8, 24, -4, 2.5, 6}, 0)
	wantTensor(t, "Div", tensor.Div(a, b), shape, []float64{0.5, 0.5, 0.375, -4, 10, 6}, 0)
}

// Every broadcast form of a DiT, and a few more, each worked out by hand. a is
// an arange tensor, so a[i] = i.
func TestBinaryBroadcast(t *testing.T) {
	dev := tensor.NewCPU()
	cases := []struct {
		name   string
		op     tensor.BinaryOp
		aShape []int
		b      []float32
		bShape []int
		want   []float64
	}{
		// bias [D] over [N, D]: every row + [10, 20, 30].
		{"bias [3] over [2,3]", tensor.OpAdd, []int{2, 3}, []float32{10, 20, 30}, []int{3},
			[]float64{10, 21, 32, 13, 24, 35}},
		// per-sample vector [B, 1, D] over [B, T, D]: sample 0 + [10, 20], sample 1 + [30, 40].
		{"[2,1,2] over [2,2,2]", tensor.OpAdd, []int{2, 2, 2}, []float32{10, 20, 30, 40}, []int{2, 1, 2},
			[]float64{10, 21, 12, 23, 34, 45, 36, 47}},
		// position table [T, D] over [B, T, D]: token t of every sample + row t of b.
		{"[2,2] over [2,2,2]", tensor.OpAdd, []int{2, 2, 2}, []float32{10, 20, 30, 40}, []int{2, 2},
			[]float64{10, 21, 32, 43, 14, 25, 36, 47}},
		// scalar: every element − 2.
		{"scalar [] over [2,3]", tensor.OpSub, []int{2, 3}, []float32{2}, nil,
			[]float64{-2, -1, 0, 1, 2, 3}},
		// scalar: every element / 4.
		{"scalar [1] over [2,3]", tensor.OpDiv, []int{2, 3}, []float32{4}, []int{1},
			[]float64{0, 0.25, 0.5, 0.75, 1, 1.25}},
		// a column [N, 1] over [N, D]: row 0 · 2, row 1 · -1.
		{"[2,1] over [2,3]", tensor.OpMul, []int{2, 3}, []float32{2, -1}, []int{2, 1},
			[]float64{0, 2, 4, -3, -4, -5}},
		// a leading 1: [1, D] over [N, D] is the bias again.
		{"[1,3] over [2,3]", tensor.OpMul, []int{2, 3}, []float32{1, 10, 100}, []int{1, 3},
			[]float64{0, 10, 200, 3, 40, 500}},
		// two adjacent broadcast axes: [B, 1, 1, D] over [B, H, T, D].
		{"[2,1,1,2] over [2,2,2,2]", tensor.OpAdd, []int{2, 2, 2, 2}, []float32{100, 200, 300, 400}, []int{2, 1, 1, 2},
			[]float64{100, 201, 102, 203, 104, 205, 106, 207, 308, 409, 310, 411, 312, 413, 314, 415}},
	}
	for _, c := range cases {
		a := arange(dev, c.aShape...)
		b := tensor.FromSlice(dev, c.b, c.bShape...)
		wantTensor(t, c.name, tensor.Binary(c.op, a, b), c.aShape, c.want, 0)
	}
}

// BinaryInto may write into its first operand: g += x accumulates.
func TestBinaryIntoInPlace(t *testing.T) {
	dev := tensor.NewCPU()
	g := tensor.FromSlice(dev, []float32{1, 2, 3, 4}, 2, 2)
	x := tensor.FromSlice(dev, []float32{10, 20}, 2)
	tensor.BinaryInto(tensor.OpAdd, g, g, x)
	tensor.BinaryInto(tensor.OpAdd, g, g, x)
	// [1+20, 2+40, 3+20, 4+40]
	wantTensor(t, "g += x twice", g, []int{2, 2}, []float64{21, 42, 23, 44}, 0)
}

func TestScaleFill(t *testing.T) {
	dev := tensor.NewCPU()
	x := tensor.FromSlice(dev, []float32{1, -2, 0.5}, 3)
	wantTensor(t, "Scale(x, -4)", tensor.Scale(x, -4), []int{3}, []float64{-4, 8, -2}, 0)
	tensor.Fill(x, 2.5)
	wantTensor(t, "Fill(x, 2.5)", x, []int{3}, []float64{2.5, 2.5, 2.5}, 0)
	wantTensor(t, "Full", tensor.Full(dev, -1, 2, 1), []int{2, 1}, []float64{-1, -1}, 0)
	wantTensor(t, "Zeros", tensor.Zeros(dev, 2), []int{2}, []float64{0, 0}, 0)
}

// out[b,t,d] = x[b,t,d] + gate[b,d]·y[b,t,d], one gate per sample and
// channel shared by the tokens. x is arange [2,2,2]; y is 1 but for one 10.
func TestGatedResidual(t *testing.T) {
	dev := tensor.NewCPU()
	x := arange(dev, 2, 2, 2)
	gate := tensor.FromSlice(dev, []float32{0, 1, -2, 0.5}, 2, 2)
	y := tensor.FromSlice(dev, []float32{1, 1, 1, 10, 1, 1, 1, 1}, 2, 2, 2)
	// sample 0: gate [0, 1]:    [0+0·1, 1+1·1, 2+0·1, 3+1·10]
	// sample 1: gate [-2, 0.5]: [4−2·1, 5+0.5·1, 6−2·1, 7+0.5·1]
	wantTensor(t, "GatedResidual", tensor.GatedResidual(x, gate, y), []int{2, 2, 2}, []float64{0, 2, 2, 13, 2, 5.5, 4, 7.5}, 0)
}
