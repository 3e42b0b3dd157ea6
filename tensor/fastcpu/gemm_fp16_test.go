package fastcpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// fp16Specials are the hard cases of float16 rounding: ties both ways, the
// largest float16 and the overflow past it, subnormal float16 values and
// their ties, float32 denormals, zeros, infinities and NaNs.
var fp16Specials = []float32{
	1 + 0x1p-11, 1 + 3*0x1p-11, -(1 + 0x1p-11 + 0x1p-20), 2 - 0x1p-11,
	65504, 65519, 65520, -65520, 1e6,
	0x1p-14, 0x1p-14 - 0x1p-26, 0x1p-24, 0x1p-25, 3 * 0x1p-25, -0x1p-26,
	1e-40, -1e-40, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7f800001), math.Float32frombits(0xffbfffff),
}

// TestRoundFP16Loops checks every instruction set's float16 rounding of
// packed blocks (the vector loop and its Go tail, or the Go loop) against
// tensor.RoundFP16, bit for bit, on fp16Specials, random bit patterns and
// values in float16's range, at every length up to 40 (each vector tail).
// A NaN must stay a NaN; its payload may change.
func TestRoundFP16Loops(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 6))
	for _, set := range append(instructionSets(), genericSet) {
		t.Run(set.name, func(t *testing.T) {
			round := set.gemm.packFP16
			if round == nil {
				round = roundFP16Block
			}
			for n := range 41 {
				for range 20 {
					x := make([]float32, n)
					for i := range x {
						switch r.IntN(3) {
						case 0:
							x[i] = fp16Specials[r.IntN(len(fp16Specials))]
						case 1:
							x[i] = math.Float32frombits(r.Uint32())
						default:
							x[i] = float32(math.Ldexp(r.Float64()+0.5, r.IntN(44)-28))
						}
					}
					got := append([]float32(nil), x...)
					round(got, n, 1)
					for i, v := range x {
						want := tensor.RoundFP16(v)
						if v != v {
							if got[i] == got[i] {
								t.Fatalf("n=%d: rounding the NaN %#08x gives %g", n, math.Float32bits(v), got[i])
							}
							continue
						}
						if math.Float32bits(got[i]) != math.Float32bits(want) {
							t.Fatalf("n=%d: rounding %#08x gives %#08x, tensor.RoundFP16 %#08x", n, math.Float32bits(v), math.Float32bits(got[i]), math.Float32bits(want))
						}
					}
				}
			}
		})
	}
}
