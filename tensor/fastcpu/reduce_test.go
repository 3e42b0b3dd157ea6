package fastcpu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// The fast Sum adds each column's rows in order in float64 on every
// instruction set, so its vector loop and the Go loop agree bit for bit — at
// column counts around the vector width and with more columns than one core
// takes.
func TestSumSameOnEverySet(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, shape := range [][3]int{{1, 3, 1}, {2, 5, 15}, {3, 37, 16}, {2, 9, 17}, {1, 200, 50}, {4, 64, 130}, {1, 1000, 512}} {
		data := make([]float32, shape[0]*shape[1]*shape[2])
		for i := range data {
			data[i] = float32(r.NormFloat64() * math.Exp(4*r.NormFloat64()))
		}
		var want []float32
		for _, name := range fastcpu.InstructionSetNames() {
			t.Setenv("DITGO_CPU_KERNEL", name)
			dev := fastcpu.New()
			x := tensor.FromSlice(dev, data, shape[0], shape[1], shape[2])
			got := tensor.Sum(x, 1).Data()
			if want == nil {
				want = got
				continue
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("shape %v, instruction set %s: sum[%d] = %v, the %s set's is %v", shape, name, i, got[i], fastcpu.InstructionSetNames()[0], want[i])
				}
			}
		}
	}
}

// A sum over the last axis (whole rows, four at a time on the fast
// device) gives the reference's bits: each row is added in the same order.
func TestSumRowsSameAsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, shape := range [][3]int{{1, 1, 1}, {1, 3, 5}, {2, 7, 64}, {32, 64, 1024}, {3, 5, 33}} {
		data := make([]float32, shape[0]*shape[1]*shape[2])
		for i := range data {
			data[i] = float32(r.NormFloat64() * math.Exp(4*r.NormFloat64()))
		}
		want := tensor.Sum(tensor.FromSlice(tensor.NewCPU(), data, shape[:]...), 2).Data()
		got := tensor.Sum(tensor.FromSlice(fastcpu.New(), data, shape[:]...), 2).Data()
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("shape %v: sum[%d] = %v, the reference's is %v", shape, i, got[i], want[i])
			}
		}
	}
}
