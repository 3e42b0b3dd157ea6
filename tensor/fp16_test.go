package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// roundFP16Slow is float16 rounding from its definition, in float64: the
// step q of x's binade (2⁻²⁴ below 2⁻¹⁴, else 2^(e−10) for x in
// [2^e, 2^(e+1))), x/q rounded to an integer, ties to even, and the
// overflow to infinity at 65520. RoundFP16 works on the bits instead.
func roundFP16Slow(x float32) float32 {
	a := math.Abs(float64(x))
	switch {
	case x != x || math.IsInf(a, 0):
		return x
	case a >= MaxFP16+16:
		return float32(math.Copysign(math.Inf(1), float64(x)))
	}
	q := math.Ldexp(1, -24)
	if a >= math.Ldexp(1, -14) {
		_, e := math.Frexp(a) // a in [2^(e−1), 2^e)
		q = math.Ldexp(1, e-1-10)
	}
	return float32(math.Copysign(math.RoundToEven(a/q)*q, float64(x)))
}

// RoundFP16 at the edges of float16, whose values are known: its largest
// number and the overflow past it, the subnormals and the underflow to
// zero, ties either way, and values that are float16 already.
func TestRoundFP16Edges(t *testing.T) {
	p := func(e int) float32 { return float32(math.Ldexp(1, e)) }
	for _, c := range []struct{ x, want float32 }{
		{0, 0},
		{1, 1},
		{-2.5, -2.5},
		{65504, 65504},
		{65519, 65504},                    // below the tie at 65520
		{65520, float32(math.Inf(1))},     // the tie rounds to even: 65536, past the range
		{-70000, float32(math.Inf(-1))},   // overflow
		{1 + p(-11), 1},                   // a tie: 1 is even
		{1 + 3*p(-11), 1 + p(-9)},         // a tie: 1 + 2⁻¹⁰ is odd, so up
		{1 + p(-11) + p(-20), 1 + p(-10)}, // past the tie
		{p(-14), p(-14)},                  // the smallest normal
		{p(-24), p(-24)},                  // the smallest subnormal
		{p(-25), 0},                       // a tie with 0, which is even
		{3 * p(-25), 2 * p(-24)},          // a tie between 1 and 2 steps: 2
		{p(-25) + p(-40), p(-24)},         // past the tie
		{-p(-26), float32(math.Copysign(0, -1))},
		{p(-14) - p(-26), p(-14)}, // a subnormal that rounds up to the normals
		{1000.3, 1000.5},          // 1000…1024 steps by 2⁻¹
	} {
		got := RoundFP16(c.x)
		if math.Float32bits(got) != math.Float32bits(c.want) {
			t.Errorf("RoundFP16(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if got := RoundFP16(float32(math.NaN())); got == got {
		t.Errorf("RoundFP16(NaN) = %g, want a NaN", got)
	}
}

// RoundFP16 agrees bit for bit with the definition on a million float32s
// drawn from every binade float16 covers and beyond.
func TestRoundFP16AgainstDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	for range 1_000_000 {
		x := float32(math.Ldexp(r.Float64()+0.5, r.IntN(50)-34))
		if r.IntN(2) == 0 {
			x = -x
		}
		if got, want := RoundFP16(x), roundFP16Slow(x); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("RoundFP16(%g) = %g, want %g", x, got, want)
		}
	}
}
