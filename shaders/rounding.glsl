// rounding.glsl — the rounding of a product's operands in mixed precision,
// included by matmul.comp, attention.comp and attention_backward.comp after
// they declare their specialization constant ROUND (tensor.Rounding):
// 0 none, 1 bfloat16, 2 float16. CPU twins: tensor.RoundBF16 (bf16.glsl)
// and tensor.RoundFP16.

#include "bf16.glsl" // roundBF16

// roundFP16 is tensor.RoundFP16: x rounded to the nearest float16, ties to
// even, returned as a float32. In float16's normal range (2⁻¹⁴ and up) it
// keeps the top 10 mantissa bits as roundBF16 keeps 7, and a magnitude
// past 65504 becomes infinite; below 2⁻¹⁴ the step is 2⁻²⁴, so x·2²⁴, exact,
// is rounded to an integer, ties to even. Infinities and NaNs pass through.
float roundFP16(float x) {
	uint bits = floatBitsToUint(x);
	uint sign = bits & 0x80000000u, a = bits & 0x7fffffffu;
	if (a >= 0x7f800000u)
		return x;
	if (a < 0x38800000u) {
		float steps = roundEven(uintBitsToFloat(a) * 16777216.0);
		return uintBitsToFloat(sign | floatBitsToUint(steps / 16777216.0));
	}
	a += 0xfffu + ((a >> 13) & 1u);
	a &= ~0x1fffu;
	if (a > 0x477fe000u) // past 65504: rounded to 65536, which float16 lacks
		a = 0x7f800000u;
	return uintBitsToFloat(sign | a);
}

// ROUNDED is whether the products round at all.
const bool ROUNDED = ROUND != 0;

// operand is a factor of a product, rounded as ROUND says. ROUND is a
// specialization constant, so the driver folds the choice away.
float operand(float x) {
	return ROUND == 1 ? roundBF16(x) : ROUND == 2 ? roundFP16(x) : x;
}
