#version 450
// layernorm_modulate_backward.comp — gradients of layernorm_modulate.comp.
//
// CPU reference: tensor.LayerNormModulateBackwardRef (tensor/layernorm.go).
// Launcher: vk/layernorm_modulate_backward.go.
//
// dout, x and dx are [B, T, D], scale, dshift and dscale [B, D], mean and
// rstd [B, T] (saved by the forward). With x̂ = (x − mean)·rstd and
// g = dout·(1 + scale[b,d]) (g = dout when there is no scale):
//
//	dx[b,t,d]   = rstd·(g − mean_d(g) − x̂·mean_d(g·x̂))
//	dshift[b,d] = Σ_t dout[b,t,d]
//	dscale[b,d] = Σ_t dout[b,t,d]·x̂[b,t,d]
//
// dx reduces along d within a row; dshift and dscale reduce along t across
// the rows of a sample. The two run in different directions, so they are
// separate passes:
//
//	PASS 0: dx. One workgroup per row (b, t), grid-stride over the B·T rows
//	        by workgroup; Σg and Σg·x̂ are reduced together (strided partial
//	        sums, then a tree in shared memory), then every d gets dx.
//	PASS 1: dshift and dscale. One invocation per (b, d), grid-stride over
//	        B·D; it sums over t in order, as the reference does, and
//	        neighbouring invocations read neighbouring d of the same row. The
//	        launcher runs it only when the modulation gradients are wanted.
//
// Bindings: 0 dx, 1 dshift, 2 dscale, 3 dout, 4 x, 5 scale, 6 mean, 7 rstd.
// scale is read only when hasScale is 1, dshift and dscale are written only
// by pass 1; otherwise any buffer may be bound in their slots.
// Push constants: LayerNormModulateBackwardPush { nB, nT, nD, hasScale }.
// Specialization: 0 PASS (uint) = 0 or 1, as above.
// Dispatch: 1-D, 256 invocations per workgroup in both passes (one file has
// one workgroup size). Grid: min(B·T, 65535) workgroups for pass 0,
// min(⌈B·D/256⌉, 65535) for pass 1.

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint PASS = 0;

layout(std430, set = 0, binding = 0) buffer DX { float dx[]; };
layout(std430, set = 0, binding = 1) buffer DShift { float dshift[]; };
layout(std430, set = 0, binding = 2) buffer DScale { float dscale[]; };
layout(std430, set = 0, binding = 3) readonly buffer DOut { float dout[]; };
layout(std430, set = 0, binding = 4) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 5) readonly buffer Scale { float scale[]; };
layout(std430, set = 0, binding = 6) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 7) readonly buffer Rstd { float rstd[]; };

layout(push_constant) uniform LayerNormModulateBackwardPush {
	uint nB;
	uint nT;
	uint nD;
	uint hasScale;
} pc;

shared vec2 partial[gl_WorkGroupSize.x]; // (Σg, Σg·x̂) of each invocation

// rowSum returns Σ of every invocation's v, halving the live part of partial
// each step (the workgroup size is a power of two). All invocations must call
// it (it has barriers), and it ends with a barrier, so partial may be reused
// at once.
vec2 rowSum(vec2 v) {
	uint lid = gl_LocalInvocationID.x;
	partial[lid] = v;
	barrier();
	for (uint s = gl_WorkGroupSize.x / 2; s > 0; s /= 2) {
		if (lid < s)
			partial[lid] += partial[lid + s];
		barrier();
	}
	vec2 sum = partial[0];
	barrier(); // everyone has read partial[0] before the next row overwrites it
	return sum;
}

// g returns dout·(1 + scale) at element d of row (b, t).
float g(uint base, uint bBase, uint d) {
	float v = dout[base + d];
	if (pc.hasScale != 0)
		v *= 1.0 + scale[bBase + d];
	return v;
}

void dxPass() {
	uint lid = gl_LocalInvocationID.x, nD = pc.nD;
	// row depends only on the workgroup, so rowSum's barriers are in uniform
	// control flow.
	for (uint row = gl_WorkGroupID.x; row < pc.nB * pc.nT; row += gl_NumWorkGroups.x) {
		uint base = row * nD;            // this row of dout, x and dx
		uint bBase = (row / pc.nT) * nD; // sample b's row of scale
		float mu = mean[row], rs = rstd[row];

		vec2 s = vec2(0.0);
		for (uint d = lid; d < nD; d += gl_WorkGroupSize.x) {
			float gd = g(base, bBase, d);
			s += vec2(gd, gd * (x[base + d] - mu) * rs);
		}
		vec2 m = rowSum(s) / float(nD); // (mean_d(g), mean_d(g·x̂))

		for (uint d = lid; d < nD; d += gl_WorkGroupSize.x) {
			float xhat = (x[base + d] - mu) * rs;
			dx[base + d] = rs * (g(base, bBase, d) - m.x - xhat * m.y);
		}
	}
}

void modulationPass() {
	uint nD = pc.nD;
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint bd = gl_GlobalInvocationID.x; bd < pc.nB * nD; bd += stride) {
		uint b = bd / nD, d = bd % nD;
		float ds = 0.0, dc = 0.0;
		for (uint t = 0; t < pc.nT; t++) {
			uint row = b * pc.nT + t;
			float o = dout[row * nD + d];
			ds += o;
			dc += o * (x[row * nD + d] - mean[row]) * rstd[row];
		}
		dshift[bd] = ds;
		dscale[bd] = dc;
	}
}

void main() {
	if (PASS == 0)
		dxPass();
	else
		modulationPass();
}
