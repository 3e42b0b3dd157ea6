package tensor_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// ---------------------------------------------------------------------------
// Helpers shared by the known-value tests of this package.
//
// Every expected value in these tests is written out as a literal, worked out
// by hand or with plain Python 3 (the math module only); a comment beside
// each says how. None comes from running the code under test.
// ---------------------------------------------------------------------------

// Tolerances, relative to max(1, |want|): float32 results carry about seven
// digits, float64 results about sixteen.
const (
	tol32 = 1e-6
	tol64 = 1e-12
)

// devices runs a known-value check on the float32 CPU device and on the
// float64 one, each with its own tolerance.
var devices = []struct {
	name string
	dev  tensor.Device
	tol  float64
}{
	{"cpu32", tensor.NewCPU(), tol32},
	{"cpu64", tensor.NewCPU64(), tol64},
}

// wantTensor checks that got has the given shape and that every value is
// within tol·max(1, |want|) of want. A tol of 0 asks for exact equality.
func wantTensor(t *testing.T, name string, got *tensor.Tensor, shape []int, want []float64, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape(), shape) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape(), shape)
		return
	}
	g, err := got.Float64s()
	if err != nil {
		t.Fatalf("%s: reading the result: %v", name, err)
	}
	if len(g) != len(want) {
		t.Fatalf("%s: %d values, test expects %d", name, len(g), len(want))
	}
	for i := range want {
		if math.Abs(g[i]-want[i]) > tol*max(1, math.Abs(want[i])) {
			t.Errorf("%s[%d] = %.10g, want %.10g", name, i, g[i], want[i])
		}
	}
}

// arange returns a float tensor holding 0, 1, 2, … in row-major order, so that
// the value of an element is its flat index.
func arange(dev tensor.Device, shape ...int) *tensor.Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = float64(i)
	}
	return tensor.FromFloat64(dev, data, shape...)
}

// ints returns 0, 1, …, n-1 as float64s, the values of an arange tensor.
func ints(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// wantPanic calls f and checks that it panics with a message containing
// every one of the given substrings.
func wantPanic(t *testing.T, f func(), substrings ...string) {
	t.Helper()
	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
		return ""
	}()
	if msg == "" {
		t.Errorf("no panic; want one mentioning %q", substrings)
		return
	}
	for _, s := range substrings {
		if !strings.Contains(msg, s) {
			t.Errorf("panic %q does not mention %q", msg, s)
		}
	}
}

// ---------------------------------------------------------------------------
// Programmer misuse panics with a message that names the op and the shapes.
// ---------------------------------------------------------------------------

func TestMisusePanics(t *testing.T) {
	dev := tensor.NewCPU()
	z := func(shape ...int) *tensor.Tensor { return tensor.Zeros(dev, shape...) }
	idx := func(v ...int32) *tensor.Tensor { return tensor.FromInt32(dev, v, len(v)) }
	cases := []struct {
		name string
		f    func()
		want []string
	}{
		{"MatMul inner sizes", func() { tensor.MatMul(z(2, 3), z(4, 5), false, false, nil) }, []string{"MatMul", "[2 3]", "[4 5]"}},
		{"MatMul batch axes", func() { tensor.MatMul(z(2, 2, 3), z(3, 3, 2), false, false, nil) }, []string{"MatMul", "[2 2 3]", "[3 3 2]"}},
		{"MatMul rank 1", func() { tensor.MatMul(z(3), z(3, 2), false, false, nil) }, []string{"MatMul", "[3]", "[3 2]"}},
		{"MatMul bias", func() { tensor.MatMul(z(2, 3), z(3, 4), false, false, z(3)) }, []string{"MatMul", "bias", "[3]", "[2 3]", "[3 4]"}},
		{"MatMulAcc out", func() { tensor.MatMulAcc(z(2, 3), z(2, 3), z(3, 4), false, false) }, []string{"MatMulAcc", "[2 3]", "[3 4]"}},
		{"Add not broadcastable", func() { tensor.Add(z(2, 3), z(4)) }, []string{"Add", "[2 3]", "[4]"}},
		{"Mul broadcast axes apart", func() { tensor.Mul(z(2, 3, 4), z(1, 3, 1)) }, []string{"Mul", "[2 3 4]", "[1 3 1]"}},
		{"Sub b longer than a", func() { tensor.Sub(z(3), z(2, 3)) }, []string{"Sub", "[3]", "[2 3]"}},
		{"AddInto out shape", func() { tensor.BinaryInto(tensor.OpAdd, z(3), z(2, 3), z(3)) }, []string{"AddInto", "[3]", "[2 3]"}},
		{"GatedResidual gate", func() { tensor.GatedResidual(z(2, 3, 4), z(2, 3), z(2, 3, 4)) }, []string{"GatedResidual", "[2 3 4]", "[2 3]"}},
		{"GatedResidual y", func() { tensor.GatedResidual(z(2, 3, 4), z(2, 4), z(2, 3, 5)) }, []string{"GatedResidual", "[2 3 4]", "[2 3 5]"}},
		{"UnaryBackward", func() { tensor.UnaryBackward(tensor.OpSiLU, z(2), z(3), z(3)) }, []string{"SiLUBackward", "[2]", "[3]"}},
		{"Reshape size", func() { z(2, 3).Reshape(4, 2) }, []string{"Reshape", "[2 3]", "[4 2]"}},
		{"FromSlice length", func() { tensor.FromSlice(dev, []float32{1, 2, 3}, 2, 2) }, []string{"FromSlice", "3", "[2 2]"}},
		{"New rank 7", func() { z(1, 1, 1, 1, 1, 1, 1) }, []string{"New", "[1 1 1 1 1 1 1]"}},
		{"Sum axes apart", func() { tensor.Sum(z(2, 3, 4), 0, 2) }, []string{"Sum", "[0 2]", "[2 3 4]"}},
		{"Sum axis range", func() { tensor.Sum(z(2, 3), 2) }, []string{"Sum", "2", "[2 3]"}},
		{"SumTo", func() { tensor.SumTo(z(2, 3), 2) }, []string{"SumTo", "[2 3]", "[2]"}},
		{"Permute", func() { tensor.Permute(z(2, 3), 0, 0) }, []string{"Permute", "[0 0]", "[2 3]"}},
		{"Patchify", func() { tensor.Patchify(z(1, 3, 5, 4), 2) }, []string{"Patchify", "[1 3 5 4]", "2"}},
		{"Concat", func() { tensor.Concat(0, z(2, 3), z(2, 4)) }, []string{"Concat", "[2 3]", "[2 4]"}},
		{"Split sizes", func() { tensor.Split(z(2, 5), 1, 2, 2) }, []string{"Split", "[2 2]", "[2 5]"}},
		{"Chunk", func() { tensor.Chunk(z(2, 5), 3, 1) }, []string{"Chunk", "[2 5]", "3"}},
		{"Gather index", func() { tensor.Gather(z(3, 2), idx(0, 3)) }, []string{"Gather", "3"}},
		{"Gather float idx", func() { tensor.Gather(z(3, 2), z(2)) }, []string{"Gather", "[3 2]", "[2]"}},
		{"ScatterAdd src", func() { tensor.ScatterAdd(z(3, 2), idx(0, 1), z(2, 3)) }, []string{"ScatterAdd", "[2 3]", "[3 2]"}},
		{"Attention rank", func() { tensor.Attention(z(1, 1, 2, 4), 1) }, []string{"Attention", "[1 1 2 4]", "[3, B, H, T, Dh]"}},
		{"Attention parts", func() { tensor.Attention(z(2, 1, 1, 2, 4), 1) }, []string{"Attention", "[2 1 1 2 4]", "[3, B, H, T, Dh]"}},
		{"AttentionBackward out", func() { tensor.AttentionBackward(z(1, 1, 2, 4), z(3, 1, 1, 2, 4), z(1, 1, 3, 4), z(1, 1, 2), 1) }, []string{"AttentionBackward", "[1 1 3 4]", "[1 1 2 4]"}},
		{"LayerNormModulate", func() { tensor.LayerNormModulate(z(2, 3, 4), z(2, 3), nil) }, []string{"LayerNormModulate", "[2 3 4]", "[2 3]"}},
		{"GroupNorm groups", func() { tensor.GroupNorm(z(2, 6, 3, 3), z(6), z(6), nil, nil, 4, 1e-5) }, []string{"GroupNorm", "4 groups", "6 channels", "[2 6 3 3]"}},
		{"GroupNorm gamma", func() { tensor.GroupNorm(z(2, 6, 3, 3), z(3), z(6), nil, nil, 3, 1e-5) }, []string{"GroupNorm", "[2 6 3 3]", "[3]"}},
		{"GroupNorm modulation", func() { tensor.GroupNorm(z(2, 6, 3, 3), z(6), z(6), nil, z(6), 3, 1e-5) }, []string{"GroupNorm", "[2 6 3 3]", "[6]", "[B, C]"}},
		{"GroupNorm no beta", func() { tensor.GroupNorm(z(2, 6, 3, 3), z(6), nil, nil, nil, 3, 1e-5) }, []string{"GroupNorm", "gamma and beta", "[6]"}},
		{"GroupNorm rank", func() { tensor.GroupNorm(z(6), z(6), z(6), nil, nil, 3, 1e-5) }, []string{"GroupNorm", "[6]", "[B, C, H, W]"}},
		{"GroupNorm eps", func() { tensor.GroupNorm(z(2, 6), z(6), z(6), nil, nil, 3, 0) }, []string{"GroupNorm", "eps 0"}},
		{"GroupNormSiLU groups", func() { tensor.GroupNormSiLU(z(2, 6, 3, 3), z(6), z(6), nil, nil, 4, 1e-5) }, []string{"GroupNormSiLU", "4 groups", "6 channels"}},
		{"GroupNormSiLUBackward shift", func() {
			tensor.GroupNormSiLUBackward(z(2, 6, 3), z(2, 6, 3), z(6), z(6), z(6), nil, z(2, 3), z(2, 3), 3, false)
		}, []string{"GroupNormSiLUBackward", "modulation", "[B, C]"}},
		{"GroupNormBackward stats", func() {
			tensor.GroupNormBackward(z(2, 6, 3), z(2, 6, 3), z(6), z(6), nil, z(2, 2), z(2, 2), 3, false)
		}, []string{"GroupNormBackward", "[2 2]", "[2, 3]"}},
		{"Upsample2x", func() { tensor.Upsample2x(z(3)) }, []string{"Upsample2x", "[3]"}},
		{"Upsample2xBackward odd", func() { tensor.Upsample2xBackward(z(1, 2, 4, 3)) }, []string{"Upsample2xBackward", "[1 2 4 3]", "even"}},
		{"Conv2D channels", func() { tensor.Conv2D(z(1, 3, 5, 5), z(4, 2, 3, 3), nil, 1, 1) }, []string{"Conv2D", "[1 3 5 5]", "[4 2 3 3]"}},
		{"Conv2D bias", func() { tensor.Conv2D(z(1, 3, 5, 5), z(4, 3, 3, 3), z(3), 1, 1) }, []string{"Conv2D", "bias", "[3]", "[4 3 3 3]"}},
		{"Conv2D kernel too large", func() { tensor.Conv2D(z(1, 1, 2, 2), z(1, 1, 5, 5), nil, 1, 1) }, []string{"Conv2D", "5×5", "2×2"}},
		{"Conv2D stride 0", func() { tensor.Conv2D(z(1, 1, 2, 2), z(1, 1, 1, 1), nil, 0, 0) }, []string{"Conv2D", "stride 0"}},
		{"Conv2DBackwardInput dout", func() {
			tensor.Conv2DBackwardInput(z(1, 4, 4, 4), z(4, 3, 3, 3), tensor.NewConv2DArgs(z(1, 3, 5, 5), z(4, 3, 3, 3), 1, 1))
		}, []string{"Conv2DBackwardInput", "dout", "[1 4 4 4]", "[1 4 5 5]"}},
		{"Conv2DBackwardWeightAcc dw", func() {
			tensor.Conv2DBackwardWeightAcc(z(4, 3, 1, 1), z(1, 4, 5, 5), z(1, 3, 5, 5), tensor.NewConv2DArgs(z(1, 3, 5, 5), z(4, 3, 3, 3), 1, 1))
		}, []string{"Conv2DBackwardWeightAcc", "dw", "[4 3 1 1]", "[4 3 3 3]"}},
		{"AdamW shapes", func() { tensor.AdamW(z(3), z(3), z(3), z(4), tensor.AdamWArgs{Step: 1}) }, []string{"AdamW", "[3]", "[4]"}},
		{"AdamW step", func() { tensor.AdamW(z(3), z(3), z(3), z(3), tensor.AdamWArgs{}) }, []string{"AdamW", "step 0"}},
		{"EMA", func() { tensor.EMA(z(3), z(2), 0.9) }, []string{"EMA", "[3]", "[2]"}},
		{"Item", func() { _, _ = z(2).Item() }, []string{"Item", "[2]", "2 elements"}},
		{"devices differ", func() { tensor.Add(z(2), tensor.Zeros(tensor.NewCPU(), 2)) }, []string{"Add", "different devices"}},
		{"int32 into MatMul", func() { tensor.MatMul(tensor.NewInt32(dev, 2, 2), z(2, 2), false, false, nil) }, []string{"MatMul", "[2 2]", "int32"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantPanic(t, c.f, c.want...) })
	}
}

// A released tensor may not be read, used as an operand or released again.
func TestUseAfterRelease(t *testing.T) {
	dev := tensor.NewCPU()
	before := dev.LiveBuffers()
	x := tensor.Zeros(dev, 2, 3)
	y := tensor.Zeros(dev, 2, 3)
	if got := dev.LiveBuffers() - before; got != 2 {
		t.Fatalf("two tensors made %d live buffers, want 2", got)
	}
	x.Release()
	if !x.Released() || y.Released() {
		t.Fatalf("Released() = %v, %v after releasing only x", x.Released(), y.Released())
	}
	if got := dev.LiveBuffers() - before; got != 1 {
		t.Errorf("after Release: %d live buffers, want 1", got)
	}
	wantPanic(t, func() { x.Data() }, "ToHost", "[2 3]", "after Release")
	wantPanic(t, func() { tensor.Add(y, x) }, "Add", "[2 3]", "after Release")
	wantPanic(t, func() { x.Reshape(6) }, "Reshape", "[2 3]", "after Release")
	wantPanic(t, func() { x.Release() }, "Release", "[2 3]")
}

// Reshape makes a view: same buffer, new shape, one axis may be -1, and
// releasing the view leaves its base alone.
func TestReshapeView(t *testing.T) {
	dev := tensor.NewCPU()
	x := arange(dev, 2, 3)
	for _, c := range []struct {
		shape, want []int
	}{
		{[]int{6}, []int{6}},
		{[]int{3, -1}, []int{3, 2}},
		{[]int{-1, 1, 3}, []int{2, 1, 3}},
	} {
		// A view holds the same elements in the same order: 0…5.
		wantTensor(t, fmt.Sprint("Reshape", c.shape), x.Reshape(c.shape...), c.want, ints(6), 0)
	}
	v := x.Reshape(3, 2)
	v.Release()
	if x.Released() {
		t.Fatal("releasing a view released its base")
	}
	// Writing through the base is seen through the view: both share storage.
	tensor.Fill(x, 7)
	wantTensor(t, "view after Fill(base, 7)", v, []int{3, 2}, []float64{7, 7, 7, 7, 7, 7}, 0)
	// Dim counts negative axes from the end.
	if x.Dim(-1) != 3 || x.Dim(0) != 2 || x.Rank() != 2 || x.Numel() != 6 {
		t.Errorf("Dim(-1) %d, Dim(0) %d, Rank %d, Numel %d; want 3, 2, 2, 6", x.Dim(-1), x.Dim(0), x.Rank(), x.Numel())
	}
}

// An int32 tensor where floats are expected is misuse too, and the panic
// should name the op like the others do.
func TestMisuseInt32Operand(t *testing.T) {
	dev := tensor.NewCPU()
	f := func(shape ...int) *tensor.Tensor { return tensor.Zeros(dev, shape...) }
	i := func(shape ...int) *tensor.Tensor { return tensor.NewInt32(dev, shape...) }
	cases := []struct {
		op string
		f  func()
	}{
		{"Add", func() { tensor.Add(f(2), i(2)) }},
		{"AddInto", func() { tensor.BinaryInto(tensor.OpAdd, f(2), f(2), i(2)) }},
		{"SiLUBackward", func() { tensor.UnaryBackward(tensor.OpSiLU, i(2), f(2), f(2)) }},
		{"AttentionBackward", func() {
			tensor.AttentionBackward(i(1, 1, 2, 2), f(3, 1, 1, 2, 2), f(1, 1, 2, 2), f(1, 1, 2), 1)
		}},
		{"LayerNormModulateBackward", func() {
			tensor.LayerNormModulateBackward(i(1, 2, 4), f(1, 2, 4), nil, f(1, 2), f(1, 2), false)
		}},
		{"GroupNormBackward", func() {
			tensor.GroupNormBackward(i(1, 2, 4), f(1, 2, 4), f(2), f(2), nil, f(1, 1), f(1, 1), 1, false)
		}},
		{"Upsample2x", func() { tensor.Upsample2x(i(1, 2, 2)) }},
		{"ScatterAdd", func() { tensor.ScatterAdd(f(3, 2), tensor.FromInt32(dev, []int32{0}, 1), i(1, 2)) }},
		{"Conv2D", func() { tensor.Conv2D(i(1, 1, 3, 3), f(1, 1, 3, 3), nil, 1, 1) }},
		{"Conv2DBackwardWeight", func() {
			a := tensor.Conv2DArgs{B: 1, Cin: 1, H: 3, W: 3, Cout: 1, KH: 3, KW: 3, Stride: 1, Pad: 1}
			tensor.Conv2DBackwardWeight(i(1, 1, 3, 3), f(1, 1, 3, 3), a)
		}},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) { wantPanic(t, c.f, "tensor."+c.op, "int32") })
	}
}
