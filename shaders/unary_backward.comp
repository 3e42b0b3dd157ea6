#version 450
// unary_backward.comp — dx = dy · f'(x), given x and y = f(x).
//
// CPU reference: tensor.UnaryBackwardRef (tensor/elementwise.go). Launcher:
// vk/unary_backward.go.
//
// Each rule uses whichever of x and y is cheaper:
//
//	SiLU  f' = s·(1 + x·(1 − s)),  s = 1/(1 + e⁻ˣ)
//	GELU  f' = 0.5·(1+t) + 0.5·x·(1−t²)·c·(1 + 3·0.044715·x²),
//	      t = tanh(c·(x + 0.044715·x³)),  c = √(2/π)
//	Exp   f' = y
//	Log   f' = 1/x
//	Tanh  f' = 1 − y²
//
// The reference computes f' in float64; this shader uses float32 throughout.
//
// dx may alias dy, x or y: each element is read before it is written and by
// the same invocation.
//
// Bindings: 0 dx, 1 dy, 2 x, 3 y.
// Push constants: UnaryBackwardPush { n }.
// Specialization: OP = 0 SiLU, 1 GELU, 2 exp, 3 log, 4 tanh (tensor.UnaryOp),
// the OP of the forward unary.comp.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n.

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint OP = 0;

layout(std430, set = 0, binding = 0) buffer DX { float dx[]; };
layout(std430, set = 0, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 2) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 3) readonly buffer Y { float y[]; };

layout(push_constant) uniform UnaryBackwardPush {
	uint n;
} pc;

#extension GL_GOOGLE_include_directive : require
#include "gelu.glsl" // geluDerivative, safe_tanh

float derivative(float v, float fv) {
	if (OP == 0) {
		float s = 1.0 / (1.0 + exp(-v)); // 0 for v = -100, not NaN
		return s * (1.0 + v * (1.0 - s));
	}
	if (OP == 1) return geluDerivative(v);
	if (OP == 2) return fv;
	if (OP == 3) return 1.0 / v;
	return 1.0 - fv * fv;
}

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
		dx[i] = dy[i] * derivative(x[i], y[i]);
	}
}
