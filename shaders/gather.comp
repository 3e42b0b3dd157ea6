#version 450
// gather.comp — out[i,c] = table[idx[i],c], the lookup of an embedding table.
//
// CPU reference: tensor.GatherRef (tensor/gather.go). Launcher: vk/gather.go.
//
//	table: [R, d]
//	idx:   [n] int, each in [0, R)
//	out:   [n, d]
//
// R is not passed: it is the bound length of table divided by d, so the host
// binds exactly the table. The reference panics on an index outside [0, R);
// a GPU cannot, so such a row of out is written as zeros instead of reading
// past the table.
//
// Bindings: 0 out, 1 table, 2 idx.
// Push constants: GatherPush { n, d }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n·d.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer Table { float table[]; };
layout(std430, set = 0, binding = 2) readonly buffer Idx { int idx[]; };

layout(push_constant) uniform GatherPush {
	uint n;
	uint d;
} pc;

void main() {
	uint total = pc.n * pc.d;
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint e = gl_GlobalInvocationID.x; e < total; e += stride) {
		uint i = e / pc.d, c = e % pc.d;
		uint rows = uint(table.length()) / pc.d;
		int r = idx[i];
		out_[e] = (r >= 0 && uint(r) < rows) ? table[uint(r) * pc.d + c] : 0.0;
	}
}
