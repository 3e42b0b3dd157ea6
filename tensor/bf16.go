package tensor

import "math"

// bfloat16 ("brain float") is float32 with the low 16 bits of the mantissa
// cut off: the same 8-bit exponent, so the same range, and 8 bits of
// precision (7 stored) instead of 24. A product of two bfloat16 numbers has
// at most 16 significant bits and is exact in float32, which is why mixed
// precision multiplies in bfloat16 and adds in float32.
//
//	float32   sign | exponent (8) | mantissa (23)
//	bfloat16  sign | exponent (8) | mantissa (7)   = the top 16 bits

// RoundBF16 rounds x to the nearest bfloat16, ties to even, and returns it
// as a float32 (whose low 16 bits are then zero). Infinities stay
// infinite, a value past the largest bfloat16 becomes infinite, and a NaN
// stays a NaN (kept quiet, so that rounding never turns it into an
// infinity).
func RoundBF16(x float32) float32 {
	bits := math.Float32bits(x)
	if x != x { // NaN: keep the sign and the top of the payload, set the quiet bit
		return math.Float32frombits(bits&0xffff0000 | 0x00400000)
	}
	// Add half of the last kept bit, less one unless that bit is odd (ties
	// to even); the carry rounds the mantissa up and may step the exponent,
	// up to infinity.
	bits += 0x7fff + (bits>>16)&1
	return math.Float32frombits(bits & 0xffff0000)
}
