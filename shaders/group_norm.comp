#version 450
// group_norm.comp — GroupNorm with its affine and ADM's scale-shift
// modulation: out = (x̂·gamma + beta)·(1 + scale) + shift, saving mean and rstd;
// with silu, SiLU of that (GroupNormSiLU).
//
// CPU reference: tensor.GroupNormRef (tensor/groupnorm.go).
// Launcher: vk/group_norm.go.
//
// x and out are [B, C, HW] (NCHW with the spatial axes flattened), gamma and
// beta [C], shift and scale [B, C], mean and rstd [B, G]. The C channels
// form G groups of Cg = C/G consecutive channels, so the group (b, g) is the
// contiguous span x[(b·G + g)·n ...] of n = Cg·HW values. For every group:
//
//	mean[b,g]  = Σ x / n
//	rstd[b,g]  = 1 / √(Σ (x − mean)² / n + eps)
//	h[b,c,p]   = ((x − mean)·rstd·gamma[c] + beta[c])·(1 + scale[b,c]) + shift[b,c]
//	out[b,c,p] = h                                  silu = 0
//	out[b,c,p] = SiLU(h) = h·σ(h) = h / (1 + e^−h)   silu = 1
//
// The variance is a second pass over the span, as in the reference, rather
// than E[x²] − mean², which loses precision when |mean| ≫ std.
//
// Bindings: 0 out, 1 mean, 2 rstd, 3 x, 4 gamma, 5 beta, 6 shift, 7 scale.
// An absent shift or scale counts as zero: its flag is 0 and any buffer may
// be bound in its slot.
// Push constants: GroupNormPush { nB, nC, nHW, nGroups, eps, hasShift,
// hasScale, silu }.
// Dispatch: 1-D, 256 invocations per workgroup, one workgroup per group
// (b, g), grid-stride over the B·G groups by workgroup; grid
// min(B·G, 65535). Each sum is a strided partial sum per invocation, then a
// tree reduction in shared memory. The span is walked flat, so that groups
// whose channels are small (HW < 256) still keep every invocation busy; the
// channel of element i of the span is g·Cg + i / HW.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 2) buffer Rstd { float rstd[]; };
layout(std430, set = 0, binding = 3) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 4) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 5) readonly buffer Beta { float beta[]; };
layout(std430, set = 0, binding = 6) readonly buffer Shift { float shift[]; };
layout(std430, set = 0, binding = 7) readonly buffer Scale { float scale[]; };

layout(push_constant) uniform GroupNormPush {
	uint nB;
	uint nC;
	uint nHW;
	uint nGroups;
	float eps;
	uint hasShift;
	uint hasScale;
	uint silu;
} pc;

shared float partial[gl_WorkGroupSize.x];

// groupSum returns Σ of every invocation's v, halving the live part of
// partial each step (the workgroup size is a power of two). All invocations
// must call it (it has barriers), and it ends with a barrier, so partial may
// be reused at once.
float groupSum(float v) {
	uint lid = gl_LocalInvocationID.x;
	partial[lid] = v;
	barrier();
	for (uint s = gl_WorkGroupSize.x / 2; s > 0; s /= 2) {
		if (lid < s)
			partial[lid] += partial[lid + s];
		barrier();
	}
	float sum = partial[0];
	barrier(); // everyone has read partial[0] before the next call overwrites it
	return sum;
}

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint cg = pc.nC / pc.nGroups, n = cg * pc.nHW;
	// bg depends only on the workgroup, so groupSum's barriers are in
	// uniform control flow.
	for (uint bg = gl_WorkGroupID.x; bg < pc.nB * pc.nGroups; bg += gl_NumWorkGroups.x) {
		uint base = bg * n;                             // this group's span of x and out
		uint b = bg / pc.nGroups, c0 = (bg % pc.nGroups) * cg; // its sample and first channel

		float s = 0.0;
		for (uint i = lid; i < n; i += gl_WorkGroupSize.x)
			s += x[base + i];
		float mu = groupSum(s) / float(n);

		float ss = 0.0;
		for (uint i = lid; i < n; i += gl_WorkGroupSize.x) {
			float d = x[base + i] - mu;
			ss += d * d;
		}
		float rs = inversesqrt(groupSum(ss) / float(n) + pc.eps);

		if (lid == 0) {
			mean[bg] = mu;
			rstd[bg] = rs;
		}
		for (uint i = lid; i < n; i += gl_WorkGroupSize.x) {
			uint c = c0 + i / pc.nHW;
			float y = (x[base + i] - mu) * rs * gamma[c] + beta[c];
			if (pc.hasScale != 0)
				y *= 1.0 + scale[b * pc.nC + c];
			if (pc.hasShift != 0)
				y += shift[b * pc.nC + c];
			if (pc.silu != 0)
				y /= 1.0 + exp(-y); // y = -100: -100/inf = -0, not NaN
			out_[base + i] = y;
		}
	}
}
