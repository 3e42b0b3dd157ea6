// bf16.glsl — bfloat16 rounding, included by the shaders whose products
// have a BF16 mode (matmul.comp, attention.comp, attention_backward.comp).
// CPU twin: tensor.RoundBF16 (tensor/bf16.go).

// roundBF16 is tensor.RoundBF16, in integer operations on the bits: x
// rounded to the nearest bfloat16 (the top 16 bits of a float32), ties to
// even, returned as a float32 whose low 16 bits are zero.
//
//	float32   sign | exponent (8) | mantissa (23)
//	bfloat16  sign | exponent (8) | mantissa (7)   = the top 16 bits
//
// Adding 0x7fff, plus one when the last kept bit (bit 16) is odd, carries
// into the kept bits exactly when the cut-off part is past half, or is
// half and the kept part is odd; the carry may step the exponent, up to
// infinity. A NaN (exponent all ones, mantissa not zero) is tested on the
// bits, not with isnan, which a compiler may fold away: its payload might
// lie in the low bits alone and round to infinity, so it keeps its sign
// and top bits and gets the quiet bit instead.
float roundBF16(float x) {
	uint bits = floatBitsToUint(x);
	if ((bits & 0x7fffffffu) > 0x7f800000u)
		return uintBitsToFloat((bits & 0xffff0000u) | 0x00400000u);
	bits += 0x7fffu + ((bits >> 16) & 1u);
	return uintBitsToFloat(bits & 0xffff0000u);
}
