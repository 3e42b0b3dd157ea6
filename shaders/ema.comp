#version 450
// ema.comp — ema = decay·ema + (1−decay)·param, the averaged weights DiT
// samples from.
//
// CPU reference: tensor.EMARef (tensor/optim.go). Launcher: vk/ema.go.
//
// Bindings: 0 ema, 1 param.
// Push constants: EMAPush { n, decay }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer EMA { float ema[]; };
layout(std430, set = 0, binding = 1) readonly buffer Param { float param[]; };

layout(push_constant) uniform EMAPush {
	uint n;
	float decay;
} pc;

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
		ema[i] = pc.decay * ema[i] + (1.0 - pc.decay) * param[i];
	}
}
