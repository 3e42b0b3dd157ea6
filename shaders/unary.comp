#version 450
// unary.comp — out = f(x) elementwise.
//
// CPU reference: tensor.UnaryRef (tensor/elementwise.go). Launcher: vk/unary.go.
//
// The reference computes in float64 and rounds once; this shader computes in
// float32 with GLSL's exp, log and tanh, so the two agree closely but not
// bit for bit.
//
// out may alias x: each element is read before it is written and by the same
// invocation.
//
// Bindings: 0 out, 1 x.
// Push constants: UnaryPush { n }.
// Specialization: OP = 0 SiLU, 1 GELU (tanh approximation), 2 exp, 3 log,
// 4 tanh (tensor.UnaryOp).
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n.

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint OP = 0;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { float x[]; };

layout(push_constant) uniform UnaryPush {
	uint n;
} pc;

#extension GL_GOOGLE_include_directive : require
#include "gelu.glsl" // gelu, safe_tanh

float f(float v) {
	if (OP == 0) return v / (1.0 + exp(-v)); // v = -100: -100/inf = -0, not NaN
	if (OP == 1) return gelu(v);
	if (OP == 2) return exp(v);
	if (OP == 3) return log(v);
	return safe_tanh(v);
}

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
		out_[i] = f(x[i]);
	}
}
