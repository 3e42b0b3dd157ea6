#version 450
// scale.comp — out = alpha · x.
//
// CPU reference: tensor.ScaleRef (tensor/elementwise.go). Launcher: vk/scale.go.
//
// out may alias x (scaling in place): each element is read before it is
// written and by the same invocation.
//
// Bindings: 0 out, 1 x.
// Push constants: ScalePush { n, alpha }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { float x[]; };

layout(push_constant) uniform ScalePush {
	uint n;
	float alpha;
} pc;

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
		out_[i] = pc.alpha * x[i];
	}
}
