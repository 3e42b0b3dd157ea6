#version 450
// sum.comp — out[o,i] = Σ_m x[o,m,i], with x viewed as [outer, mid, inner].
//
// CPU reference: tensor.SumRef (tensor/reduce.go). Launcher: vk/sum.go.
//
// One workgroup per output element. Its 256 invocations each sum every 256th
// m into a partial sum, then a tree halves the partial sums in shared memory
// until one remains. The reference accumulates in float64 and in order of m;
// this shader accumulates in float32 in a different order, so the two agree
// to rounding, not bit for bit.
//
// Barriers: the loop over outputs steps by workgroup, so every invocation of
// a workgroup takes the same trips, and each barrier() below is reached by
// all of them. The barrier at the end of a trip keeps the next trip from
// overwriting partial[] before invocation 0 has read the total.
//
// Bindings: 0 out, 1 x.
// Push constants: SumPush { outer, mid, inner }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, one workgroup per output
// element, grid-stride over outer·inner by workgroup.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { float x[]; };

layout(push_constant) uniform SumPush {
	uint outer;
	uint mid;
	uint inner;
} pc;

// The tree below needs a power-of-two workgroup size.
shared float partial[gl_WorkGroupSize.x];

void main() {
	uint lid = gl_LocalInvocationID.x;
	for (uint e = gl_WorkGroupID.x; e < pc.outer * pc.inner; e += gl_NumWorkGroups.x) {
		uint o = e / pc.inner, i = e % pc.inner;
		float acc = 0.0;
		for (uint m = lid; m < pc.mid; m += gl_WorkGroupSize.x) {
			acc += x[(o * pc.mid + m) * pc.inner + i];
		}
		partial[lid] = acc;
		barrier();
		// Each pass folds the upper half of the live partial sums onto the
		// lower half.
		for (uint span = gl_WorkGroupSize.x / 2; span > 0; span /= 2) {
			if (lid < span) partial[lid] += partial[lid + span];
			barrier();
		}
		if (lid == 0) out_[e] = partial[0];
		barrier();
	}
}
