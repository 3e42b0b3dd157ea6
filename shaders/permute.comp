#version 450
// permute.comp — out is x with its axes reordered: output axis a is input
// axis perm[a].
//
// CPU reference: tensor.PermuteRef (tensor/permute.go). Launcher: vk/permute.go.
//
// x is contiguous with shape shape[0 .. rank-1]; out is contiguous with
// shape[perm[0]], …, shape[perm[rank-1]]. Each invocation takes an output
// element, splits its linear index into the output index (j₀ … j_{r-1}),
// and reads
//
//	x at Σ_a j_a · stride[perm[a]]
//
// where stride is the row-major stride of x. rank ≤ 6 (tensor.MaxRank);
// entries past rank are ignored.
//
// Bindings: 0 out, 1 x.
// Push constants: PermutePush { rank, count, shape[6], perm[6] }, count being
// the number of elements.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over count.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { float x[]; };

layout(push_constant) uniform PermutePush {
	uint rank;
	uint count;
	uint shape[6]; // the input shape
	uint perm[6];  // perm[a] is the input axis that output axis a takes
} pc;

void main() {
	// stride[a] is the step in x for one step along input axis a.
	uint stride[6];
	uint s = 1;
	for (int a = int(pc.rank) - 1; a >= 0; a--) {
		stride[a] = s;
		s *= pc.shape[a];
	}

	uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < pc.count; i += step) {
		// Peel output axes off i, the last (fastest) first.
		uint rest = i, src = 0;
		for (int a = int(pc.rank) - 1; a >= 0; a--) {
			uint axis = pc.perm[a];
			uint len = pc.shape[axis];
			src += (rest % len) * stride[axis];
			rest /= len;
		}
		out_[i] = x[src];
	}
}
