#version 450
// binary.comp — out = a ∘ b, with b broadcast over the middle axis.
//
// CPU reference: tensor.BinaryRef (tensor/elementwise.go). Launcher: vk/binary.go.
//
// a and out are viewed as [outer, mid, inner], b as [outer, inner]:
//
//	out[o,m,i] = a[o,m,i] ∘ b[o,i]
//
// out may alias a (in-place accumulation), so each element is read before it
// is written and by the same invocation.
//
// Bindings: 0 out, 1 a, 2 b.
// Push constants: BinaryPush { outer, mid, inner }.
// Specialization: OP = 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min,
// 6 greater-or-equal (1.0 or 0.0) (tensor.BinaryOp).
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over outer·mid·inner.

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint OP = 0;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { float b[]; };

layout(push_constant) uniform BinaryPush {
	uint outer;
	uint mid;
	uint inner;
} pc;

void main() {
	uint n = pc.outer * pc.mid * pc.inner;
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
		uint o = i / (pc.mid * pc.inner);
		uint bi = o * pc.inner + i % pc.inner;
		float x = a[i], y = b[bi];
		float r;
		if (OP == 0) r = x + y;
		else if (OP == 1) r = x - y;
		else if (OP == 2) r = x * y;
		else if (OP == 3) r = x / y;
		// GLSL leaves max and min of a NaN undefined (GPUs return the other
		// operand); the reference propagates NaN, so a diverged value stays
		// visible instead of being clamped away. x + y is NaN if either is.
		else if (OP == 4) r = (isnan(x) || isnan(y)) ? x + y : max(x, y);
		else if (OP == 5) r = (isnan(x) || isnan(y)) ? x + y : min(x, y);
		else r = x >= y ? 1.0 : 0.0;
		out_[i] = r;
	}
}
