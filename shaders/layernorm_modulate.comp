#version 450
// layernorm_modulate.comp — adaLN: out = LN(x)·(1 + scale) + shift, saving mean and rstd.
//
// CPU reference: tensor.LayerNormModulateRef (tensor/layernorm.go).
// Launcher: vk/layernorm_modulate.go.
//
// x and out are [B, T, D], shift and scale [B, D], mean and rstd [B, T].
// For every row (b, t):
//
//	mean[b,t]  = Σ_d x[b,t,d] / D
//	rstd[b,t]  = 1 / √(Σ_d (x[b,t,d] − mean)² / D + 1e-6)
//	out[b,t,d] = (x[b,t,d] − mean)·rstd·(1 + scale[b,d]) + shift[b,d]
//
// The variance is a second pass over the row, as in the reference, rather
// than E[x²] − mean², which loses precision when |mean| ≫ std.
//
// Bindings: 0 out, 1 mean, 2 rstd, 3 x, 4 shift, 5 scale. An absent shift or
// scale counts as zero: its flag is 0 and any buffer may be bound in its slot.
// Push constants: LayerNormModulatePush { nB, nT, nD, hasShift, hasScale }.
// Dispatch: 1-D, 256 invocations per workgroup, one workgroup per row,
// grid-stride over the B·T rows by workgroup; grid min(B·T, 65535). Each sum
// is a strided partial sum per invocation, then a tree reduction in shared
// memory.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 2) buffer Rstd { float rstd[]; };
layout(std430, set = 0, binding = 3) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 4) readonly buffer Shift { float shift[]; };
layout(std430, set = 0, binding = 5) readonly buffer Scale { float scale[]; };

layout(push_constant) uniform LayerNormModulatePush {
	uint nB;
	uint nT;
	uint nD;
	uint hasShift;
	uint hasScale;
} pc;

const float EPS = 1e-6; // tensor.LayerNormEps

shared float partial[gl_WorkGroupSize.x];

// rowSum returns Σ of every invocation's v, halving the live part of partial
// each step (the workgroup size is a power of two). All invocations must call
// it (it has barriers), and it ends with a barrier, so partial may be reused
// at once.
float rowSum(float v) {
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
	uint lid = gl_LocalInvocationID.x, nD = pc.nD;
	// row depends only on the workgroup, so rowSum's barriers are in uniform
	// control flow.
	for (uint row = gl_WorkGroupID.x; row < pc.nB * pc.nT; row += gl_NumWorkGroups.x) {
		uint base = row * nD;            // this row of x and out
		uint bBase = (row / pc.nT) * nD; // sample b's row of shift and scale

		float s = 0.0;
		for (uint d = lid; d < nD; d += gl_WorkGroupSize.x)
			s += x[base + d];
		float mu = rowSum(s) / float(nD);

		float ss = 0.0;
		for (uint d = lid; d < nD; d += gl_WorkGroupSize.x) {
			float c = x[base + d] - mu;
			ss += c * c;
		}
		float rs = inversesqrt(rowSum(ss) / float(nD) + EPS);

		if (lid == 0) {
			mean[row] = mu;
			rstd[row] = rs;
		}
		for (uint d = lid; d < nD; d += gl_WorkGroupSize.x) {
			float y = (x[base + d] - mu) * rs;
			if (pc.hasScale != 0)
				y *= 1.0 + scale[bBase + d];
			if (pc.hasShift != 0)
				y += shift[bBase + d];
			out_[base + d] = y;
		}
	}
}
