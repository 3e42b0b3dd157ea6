package tensor

import "math"

// float16 (IEEE 754 binary16) has a 5-bit exponent and 11 significant bits
// (10 stored): 2⁻¹¹ of relative precision, three bits more than bfloat16,
// but a far narrower range. Its largest number is 65504, its smallest
// normal one 2⁻¹⁴, and below that the subnormals step by 2⁻²⁴. A gradient
// of at most 2⁻²⁵ rounds to zero, which is why float16 training scales the
// loss up before the backward pass (train's loss scaler).
//
//	float32   sign | exponent (8) | mantissa (23)
//	float16   sign | exponent (5) | mantissa (10)

// MaxFP16 is the largest finite float16.
const MaxFP16 = 65504

// RoundFP16 rounds x to the nearest float16, ties to even, and returns it
// as a float32. A magnitude that rounds past MaxFP16 (65520 or more)
// becomes infinite, one of at most 2⁻²⁵ becomes a zero of x's sign, and
// infinities and NaNs stay as they are.
//
// In float16's normal range, 2⁻¹⁴ and up, rounding keeps the top 10 of
// float32's 23 mantissa bits, as RoundBF16 keeps the top 7: add half of
// the last kept bit, less one unless that bit is odd, and cut. Below 2⁻¹⁴
// the step is 2⁻²⁴ whatever the exponent, so x·2²⁴ (exact: a power of two)
// is rounded to an integer, ties to even.
func RoundFP16(x float32) float32 {
	bits := math.Float32bits(x)
	sign, abs := bits&0x80000000, bits&0x7fffffff
	switch {
	case abs >= 0x7f800000: // infinite or NaN
		return x
	case abs < 0x38800000: // below 2⁻¹⁴: a subnormal float16
		steps := math.RoundToEven(float64(math.Float32frombits(abs)) * (1 << 24))
		return math.Float32frombits(sign | math.Float32bits(float32(steps/(1<<24))))
	}
	abs += 0xfff + (abs>>13)&1
	abs &^= 0x1fff
	if abs > 0x477fe000 { // past 65504: rounded to 65536, which float16 lacks
		abs = 0x7f800000
	}
	return math.Float32frombits(sign | abs)
}
