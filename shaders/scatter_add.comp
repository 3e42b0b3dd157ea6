#version 450
// scatter_add.comp — table[idx[i],c] += src[i,c] for i = 0, 1, …, n-1 in
// order: the gradient of gather.comp.
//
// CPU reference: tensor.ScatterAddRef (tensor/gather.go). Launcher:
// vk/scatter_add.go.
//
//	table: [R, d]   updated in place
//	idx:   [n] int
//	src:   [n, d]
//
// A row named twice receives both rows of src. One invocation owns each
// column c and walks i in order, so no two invocations touch the same
// element: no atomics are needed, and every element gets its additions in
// the reference's order, which makes the result deterministic and equal to
// the reference. The price is parallelism of only d.
//
// R is the bound length of table divided by d. The reference panics on an
// index outside [0, R); a GPU cannot, so such a row of src is skipped.
//
// Bindings: 0 table, 1 idx, 2 src.
// Push constants: ScatterAddPush { n, d }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over the d
// columns.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Table { float table[]; };
layout(std430, set = 0, binding = 1) readonly buffer Idx { int idx[]; };
layout(std430, set = 0, binding = 2) readonly buffer Src { float src[]; };

layout(push_constant) uniform ScatterAddPush {
	uint n;
	uint d;
} pc;

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint c = gl_GlobalInvocationID.x; c < pc.d; c += stride) {
		uint rows = uint(table.length()) / pc.d;
		for (uint i = 0; i < pc.n; i++) {
			int r = idx[i];
			if (r < 0 || uint(r) >= rows) continue;
			table[uint(r) * pc.d + c] += src[i * pc.d + c];
		}
	}
}
