package tensor

import (
	"math"
	"testing"
)

// RoundBF16 against values worked out by hand: 1 + 2⁻⁷ is the bfloat16
// after 1, so 1 + 2⁻⁸ is halfway and goes to the even neighbour, 1.
func TestRoundBF16(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct{ in, want float32 }{
		{1, 1},
		{1 + 1.0/256, 1},                       // halfway, down to even
		{1 + 3.0/256, 1 + 2.0/128},             // halfway, up to even
		{1 + 1.0/256 + 1.0/65536, 1 + 1.0/128}, // past halfway
		{-(1 + 1.0/512), -1},                   // below halfway, sign kept
		{3.14159265, 3.140625},
		{0, 0},
		{inf, inf},
		{-inf, -inf},
		{math.MaxFloat32, inf}, // past the largest bfloat16 (≈ 3.39e38)
		{math.Float32frombits(0x7f7f0000), math.Float32frombits(0x7f7f0000)}, // the largest bfloat16
		{1e-40, math.Float32frombits(0x00010000)},                            // a denormal (0x000116c2) rounds like any other number
	} {
		if got := RoundBF16(c.in); got != c.want && !(got == 0 && c.want == 0) {
			t.Errorf("RoundBF16(%v) = %v (%#08x), want %v (%#08x)", c.in, got, math.Float32bits(got), c.want, math.Float32bits(c.want))
		}
		if b := math.Float32bits(RoundBF16(c.in)); b&0xffff != 0 {
			t.Errorf("RoundBF16(%v) has low bits %#04x", c.in, b&0xffff)
		}
	}
	nan := math.Float32frombits(0x7f800001) // a signalling NaN whose payload is all in the low bits
	if got := RoundBF16(nan); got == got {
		t.Errorf("RoundBF16(NaN) = %v, want a NaN", got)
	}
	if math.Signbit(float64(RoundBF16(float32(math.Copysign(0, -1))))) != true {
		t.Error("RoundBF16(-0) lost the sign")
	}
}
