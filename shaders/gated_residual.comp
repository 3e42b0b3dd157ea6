#version 450
// gated_residual.comp — out = x + gate·y, the residual update of an adaLN-Zero
// block.
//
// CPU reference: tensor.GatedResidualRef (tensor/elementwise.go). Launcher:
// vk/gated_residual.go.
//
//	x, y, out: [B, T, D]
//	gate:      [B, D]     one gate per sample, broadcast over tokens
//
//	out[b,t,d] = x[b,t,d] + gate[b,d] · y[b,t,d]
//
// out may alias x or y (updating the residual stream in place): each element
// is read before it is written and by the same invocation.
//
// Bindings: 0 out, 1 x, 2 gate, 3 y.
// Push constants: GatedResidualPush { nB, nT, nD }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over nB·nT·nD.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 3) readonly buffer Y { float y[]; };

layout(push_constant) uniform GatedResidualPush {
	uint nB;
	uint nT;
	uint nD;
} pc;

void main() {
	uint total = pc.nB * pc.nT * pc.nD;
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < total; i += stride) {
		uint b = i / (pc.nT * pc.nD);
		uint d = i % pc.nD;
		out_[i] = x[i] + gate[b * pc.nD + d] * y[i];
	}
}
