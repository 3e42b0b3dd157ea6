#version 450
// adamw.comp — one AdamW step (decoupled weight decay, Loshchilov & Hutter),
// updating param, m and v in place.
//
// CPU reference: tensor.AdamWRef (tensor/optim.go). Launcher: vk/adamw.go.
//
// In the order PyTorch's AdamW uses, for step t:
//
//	p *= 1 − lr·weightDecay
//	m  = β₁·m + (1−β₁)·g
//	v  = β₂·v + (1−β₂)·g²
//	p −= lr/c1 · m / (√v/c2 + eps)
//
// The bias corrections c1 = 1 − β₁ᵗ and c2 = √(1 − β₂ᵗ) depend only on t, so
// the host computes them once per step in float64 and passes them rounded to
// float32. The reference works in float64 throughout; this shader in float32.
//
// Bindings: 0 param, 1 grad, 2 m, 3 v.
// Push constants: AdamWPush { n, lr, beta1, beta2, eps, weightDecay, c1, c2 }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Param { float param[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 2) buffer M { float m[]; };
layout(std430, set = 0, binding = 3) buffer V { float v[]; };

layout(push_constant) uniform AdamWPush {
	uint n;
	float lr;
	float beta1;
	float beta2;
	float eps;
	float weightDecay;
	float c1; // 1 − β₁ᵗ
	float c2; // √(1 − β₂ᵗ)
} pc;

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
		float g = grad[i];
		float mi = pc.beta1 * m[i] + (1.0 - pc.beta1) * g;
		float vi = pc.beta2 * v[i] + (1.0 - pc.beta2) * g * g;
		float p = param[i] * (1.0 - pc.lr * pc.weightDecay);
		p -= pc.lr / pc.c1 * mi / (sqrt(vi) / pc.c2 + pc.eps);
		param[i] = p;
		m[i] = mi;
		v[i] = vi;
	}
}
