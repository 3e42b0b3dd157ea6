// gelu.glsl — the tanh approximation of GELU and its derivative, included
// by unary.comp, unary_backward.comp and matmul.comp (its GELU epilogues).
// CPU twins: tensor.UnaryRef and tensor.UnaryBackwardRef (OpGELU).
//
//	GELU(x) = 0.5·x·(1 + t),  t = tanh(c·(x + 0.044715·x³)),  c = √(2/π)
//	GELU'(x) = 0.5·(1+t) + 0.5·x·(1−t²)·c·(1 + 3·0.044715·x²)

const float GELU_C = 0.7978845608028654; // √(2/π)

// Some drivers compute tanh from exp, which overflows to inf/inf = NaN for
// large |x|. tanh(±15) is already ±1 in float32, so the clamp changes no
// result.
float safe_tanh(float v) {
	return tanh(clamp(v, -15.0, 15.0));
}

float gelu(float v) {
	return 0.5 * v * (1.0 + safe_tanh(GELU_C * (v + 0.044715 * v * v * v)));
}

float geluDerivative(float v) {
	float t = safe_tanh(GELU_C * (v + 0.044715 * v * v * v));
	return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * 0.044715 * v * v);
}
