package fastcpu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// The fast device's tanh-GELU and SiLU and their gradients — the Go loops
// and, where the CPU has them, the vector loops of every instruction set —
// against the textbook formulas in float64, over lengths that leave every
// tail and at values from the flat negative end to the linear positive
// end.
func TestGELU(t *testing.T) {
	testActivation(t, tensor.OpGELU, func(x float64) (y, dy float64) {
		c := math.Sqrt(2 / math.Pi)
		u := c * (x + 0.044715*x*x*x)
		th := math.Tanh(u)
		return 0.5 * x * (1 + th), 0.5*(1+th) + 0.5*x*(1-th*th)*c*(1+3*0.044715*x*x)
	})
}

func TestSiLU(t *testing.T) {
	testActivation(t, tensor.OpSiLU, func(x float64) (y, dy float64) {
		s := 1 / (1 + math.Exp(-x))
		return x * s, s * (1 + x*(1-s))
	})
}

func testActivation(t *testing.T, op tensor.UnaryOp, f func(x float64) (y, dy float64)) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kernel := range []string{"avx512", "avx2", "generic"} {
		t.Run(kernel, func(t *testing.T) {
			t.Setenv("DITGO_CPU_KERNEL", kernel)
			var dev *fastcpu.Device
			func() {
				defer func() {
					if recover() != nil {
						dev = nil
					}
				}()
				dev = fastcpu.New()
			}()
			if dev == nil {
				t.Skipf("this CPU cannot run the %s instruction set", kernel)
			}
			for _, n := range []int{1, 15, 16, 17, 31, 33, 100, 1000, 4099} {
				xs := make([]float32, n)
				dys := make([]float32, n)
				for i := range xs {
					switch i % 4 {
					case 0:
						xs[i] = float32(r.NormFloat64())
					case 1:
						xs[i] = float32(60*r.Float64() - 30) // both saturated ends
					case 2:
						xs[i] = float32(r.NormFloat64() * 1e-3)
					default:
						xs[i] = float32(8*r.Float64() - 4)
					}
					dys[i] = float32(r.NormFloat64())
				}
				xs[0] = 0
				x, dy := tensor.FromSlice(dev, xs, n), tensor.FromSlice(dev, dys, n)
				y := tensor.Unary(op, x)
				dx := tensor.UnaryBackward(op, dy, x, y)
				got, gotDx := y.Data(), dx.Data()
				for i, v := range xs {
					wy, wd := f(float64(v))
					if e := math.Abs(float64(got[i]) - wy); e > 3e-7*max(1, math.Abs(float64(v))) {
						t.Fatalf("n=%d: %v(%v) = %v, want %v", n, op, v, got[i], wy)
					}
					if e := math.Abs(float64(gotDx[i]) - wd*float64(dys[i])); e > 1e-6*max(1, math.Abs(float64(dys[i]))) {
						t.Fatalf("n=%d: %v'(%v)·%v = %v, want %v", n, op, v, dys[i], gotDx[i], wd*float64(dys[i]))
					}
				}
				for _, b := range []*tensor.Tensor{x, dy, y, dx} {
					b.Release()
				}
			}
		})
	}
}
