package fastcpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// TestBinaryRowsSameBits checks each instruction set's row loops of
// Binary (instructionSet.binaryRows) against the reference, bit for bit,
// at lengths around the vector and the loops' two-vector step, and that
// they write nothing past the row.
func TestBinaryRowsSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tested := 0
	for _, set := range instructionSets() {
		d := &Device{set: set}
		if set.binaryRows == nil {
			continue
		}
		tested++
		for _, op := range []tensor.BinaryOp{tensor.OpAdd, tensor.OpSub, tensor.OpMul} {
			for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100, 1000} {
				a, b := make([]float32, n), make([]float32, n)
				for i := range a {
					a[i] = float32(r.NormFloat64() * math.Exp(3*r.NormFloat64()))
					b[i] = float32(r.NormFloat64() * math.Exp(3*r.NormFloat64()))
				}
				want := make([]float32, n)
				tensor.BinaryRef(op, want, a, b, 1, 1, n)
				got := make([]float32, n+1)
				got[n] = 42
				d.binaryRow(op, got[:n], a, b)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s, %v, n=%d: out[%d] = %v, the reference's %v", set.name, op, n, i, got[i], want[i])
					}
				}
				if got[n] != 42 {
					t.Fatalf("%s, %v, n=%d: wrote past the row", set.name, op, n)
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no instruction set of this CPU has Binary row loops: the Go loops run everywhere")
	}
}
