#version 450
// dropout.comp — dropout with its mask drawn from the Philox stream (seed,
// offset), the forward pass and the gradient alike.
//
// CPU reference: tensor.DropoutRef (tensor/dropout.go). Launcher:
// vk/dropout.go.
//
// Element j is decided by word p mod 4 of the Philox block of position
// p = offset + j (philox.glsl): it is kept when the word's top 23 bits are
// at least the threshold, and then scaled:
//
//	out[j] = (r >> 9) ≥ threshold ? x[j]·scale : 0
//
// The host computes threshold and scale (tensor.DropoutThreshold) so that
// the test is the reference's uniform(r) ≥ P exactly. It is an integer
// comparison, so every device keeps the same elements.
//
// Bindings: 0 out, 1 x.
// Push constants: DropoutPush { n, seedLo, seedHi, offsetLo, offsetHi,
// threshold, scale }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };

layout(push_constant) uniform DropoutPush {
	uint n;
	uint seedLo;
	uint seedHi;
	uint offsetLo;
	uint offsetHi;
	uint threshold;
	float scale;
} pc;

#extension GL_GOOGLE_include_directive : require
#include "philox.glsl" // philox_at

void main() {
	uvec2 key = uvec2(pc.seedLo, pc.seedHi);
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint j = gl_GlobalInvocationID.x; j < pc.n; j += stride) {
		uint lane;
		uvec4 r = philox_at(key, pc.offsetLo, pc.offsetHi, j, lane);
		out_[j] = (r[lane] >> 9) >= pc.threshold ? x[j] * pc.scale : 0.0;
	}
}
