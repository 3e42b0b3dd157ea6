#version 450
// group_norm_backward.comp — gradients of group_norm.comp.
//
// CPU reference: tensor.GroupNormBackwardRef (tensor/groupnorm.go).
// Launcher: vk/group_norm_backward.go.
//
// dout, x and dx are [B, C, HW], gamma, beta, dgamma and dbeta [C], shift,
// scale, dshift and dscale [B, C], mean and rstd [B, G] (saved by the
// forward), and sums is the launcher's scratch: [B, C, 2]. Groups are Cg = C/G
// consecutive channels, n = Cg·HW values.
//
// With silu, the forward's output was SiLU(h) of its group norm's output
// h = (x̂·gamma + beta)·s + shift, and dout is the gradient of that SiLU's
// output. The shader first turns dout into the gradient reaching h,
// recomputing h from x, mean and rstd exactly as the forward did:
//
//	dh = dout·σ(h)·(1 + h·(1 − σ(h))),   σ(h) = 1 / (1 + e^−h)
//
// and everything below reads dh where it says dout. Without silu, dh = dout.
//
// Every gradient comes from two sums per (sample, channel), with
// x̂ = (x − mean)·rstd:
//
//	S1[b,c] = Σ_p dout[b,c,p],   S2[b,c] = Σ_p dout[b,c,p]·x̂[b,c,p]
//
// With s = 1 + scale[b,c] (1 without scale) and k = s·gamma[c], the
// gradient that reaches x̂ is dout·k, and
//
//	dx[b,c,p]   = rstd·(k·dout − M1 − x̂·M2),  M1 = Σ_{c∈g} k·S1 / n,  M2 = Σ_{c∈g} k·S2 / n
//	dshift[b,c] = S1,   dscale[b,c] = gamma·S2 + beta·S1
//	dbeta[c]    = Σ_b s·S1,   dgamma[c] = Σ_b s·S2
//
// (M1 and M2 are the group means of dout·k and dout·k·x̂ of the reference.)
// As S1 and S2 are sums of dh, pass 1 below needs no SiLU of its own.
// dx needs the sums of its own group only; dgamma and dbeta sum across the
// samples, so they are a second pass:
//
//	PASS 0: one workgroup per group (b, g), grid-stride over the B·G groups
//	        by workgroup. For each of its Cg channels in turn: strided
//	        partial sums of (dh, dh·(x − mean)), a tree reduction in
//	        shared memory, which every invocation reads back; invocation 0
//	        stores (S1, S2) in sums, and every invocation adds k·S1 and k·S2
//	        into M1 and M2. Then every element of the group gets dx, walking
//	        the span flat (the channel of element i is g·Cg + i / HW).
//	PASS 1: one invocation per channel c, grid-stride over C: sums over the
//	        samples in order, as the reference does, giving dgamma and dbeta,
//	        and dshift and dscale of every (b, c) on the way.
//
// The launcher's barrier between the two dispatches makes pass 0's sums
// visible to pass 1.
//
// Bindings: 0 dx, 1 dgamma, 2 dbeta, 3 dshift, 4 dscale, 5 dout, 6 x,
// 7 gamma, 8 beta, 9 scale, 10 mean, 11 rstd, 12 sums, 13 shift. scale is
// read only when hasScale is 1, shift only when silu and hasShift are 1,
// dshift and dscale are written only when writeShift and writeScale are 1;
// otherwise any buffer may be bound in their slots.
// Push constants: GroupNormBackwardPush { nB, nC, nHW, nGroups, hasShift,
// hasScale, writeShift, writeScale, silu }.
// Specialization: 0 PASS (uint) = 0 or 1, as above.
// Dispatch: 1-D, 256 invocations per workgroup in both passes (one file has
// one workgroup size). Grid: min(B·G, 65535) workgroups for pass 0,
// min(⌈C/256⌉, 65535) for pass 1.

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint PASS = 0;

layout(std430, set = 0, binding = 0) buffer DX { float dx[]; };
layout(std430, set = 0, binding = 1) buffer DGamma { float dgamma[]; };
layout(std430, set = 0, binding = 2) buffer DBeta { float dbeta[]; };
layout(std430, set = 0, binding = 3) buffer DShift { float dshift[]; };
layout(std430, set = 0, binding = 4) buffer DScale { float dscale[]; };
layout(std430, set = 0, binding = 5) readonly buffer DOut { float dout[]; };
layout(std430, set = 0, binding = 6) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 7) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 8) readonly buffer Beta { float beta[]; };
layout(std430, set = 0, binding = 9) readonly buffer Scale { float scale[]; };
layout(std430, set = 0, binding = 10) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 11) readonly buffer Rstd { float rstd[]; };
layout(std430, set = 0, binding = 12) buffer Sums { float sums[]; }; // S1, S2 of every (b, c), interleaved
layout(std430, set = 0, binding = 13) readonly buffer Shift { float shift[]; };

layout(push_constant) uniform GroupNormBackwardPush {
	uint nB;
	uint nC;
	uint nHW;
	uint nGroups;
	uint hasShift;
	uint hasScale;
	uint writeShift;
	uint writeScale;
	uint silu;
} pc;

shared vec2 partial[gl_WorkGroupSize.x]; // (Σdh, Σdh·(x − mean)) of each invocation

// groupSum returns Σ of every invocation's v, halving the live part of
// partial each step (the workgroup size is a power of two). All invocations
// must call it (it has barriers), and it ends with a barrier, so partial may
// be reused at once.
vec2 groupSum(vec2 v) {
	uint lid = gl_LocalInvocationID.x;
	partial[lid] = v;
	barrier();
	for (uint s = gl_WorkGroupSize.x / 2; s > 0; s /= 2) {
		if (lid < s)
			partial[lid] += partial[lid + s];
		barrier();
	}
	vec2 sum = partial[0];
	barrier(); // everyone has read partial[0] before the next call overwrites it
	return sum;
}

// modulation returns s = 1 + scale[b,c], or 1 without scale.
float modulation(uint b, uint c) {
	return pc.hasScale != 0 ? 1.0 + scale[b * pc.nC + c] : 1.0;
}

// gradOfH returns dh, the gradient reaching the group norm's output h at
// element i (sample b, channel c, normalised value xhat): dout[i] itself
// without silu, and dout[i]·SiLU'(h) with it, h recomputed as the forward
// computed it.
float gradOfH(uint i, uint b, uint c, float xhat) {
	float o = dout[i];
	if (pc.silu == 0)
		return o;
	float h = (xhat * gamma[c] + beta[c]) * modulation(b, c);
	if (pc.hasShift != 0)
		h += shift[b * pc.nC + c];
	// For h = -100, e^100 is inf and sg is 0, not NaN; for h = 100, sg is
	// 1 and 1 − sg is 0. Either way the product is the limit, 0 or 1.
	float sg = 1.0 / (1.0 + exp(-h));
	return o * sg * (1.0 + h * (1.0 - sg));
}

void dxPass() {
	uint lid = gl_LocalInvocationID.x;
	uint cg = pc.nC / pc.nGroups, n = cg * pc.nHW;
	// bg and c depend only on the workgroup, so groupSum's barriers are in
	// uniform control flow.
	for (uint bg = gl_WorkGroupID.x; bg < pc.nB * pc.nGroups; bg += gl_NumWorkGroups.x) {
		uint b = bg / pc.nGroups, c0 = (bg % pc.nGroups) * cg; // sample and first channel
		float mu = mean[bg], rs = rstd[bg];

		float m1 = 0.0, m2 = 0.0; // the same in every invocation
		for (uint c = c0; c < c0 + cg; c++) {
			uint base = (b * pc.nC + c) * pc.nHW;
			vec2 p = vec2(0.0);
			for (uint i = lid; i < pc.nHW; i += gl_WorkGroupSize.x) {
				float d = x[base + i] - mu;
				float o = gradOfH(base + i, b, c, d * rs);
				p += vec2(o, o * d);
			}
			vec2 S = groupSum(p) * vec2(1.0, rs); // (S1, S2)
			if (lid == 0) {
				sums[2 * (b * pc.nC + c)] = S.x;
				sums[2 * (b * pc.nC + c) + 1] = S.y;
			}
			float k = modulation(b, c) * gamma[c];
			m1 += k * S.x;
			m2 += k * S.y;
		}
		m1 /= float(n);
		m2 /= float(n);

		uint base = bg * n; // this group's span of dout, x and dx
		for (uint i = lid; i < n; i += gl_WorkGroupSize.x) {
			uint c = c0 + i / pc.nHW;
			float xhat = (x[base + i] - mu) * rs;
			dx[base + i] = rs * (modulation(b, c) * gamma[c] * gradOfH(base + i, b, c, xhat) - m1 - xhat * m2);
		}
	}
}

void paramPass() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint c = gl_GlobalInvocationID.x; c < pc.nC; c += stride) {
		float db = 0.0, dg = 0.0;
		for (uint b = 0; b < pc.nB; b++) {
			vec2 S = vec2(sums[2 * (b * pc.nC + c)], sums[2 * (b * pc.nC + c) + 1]);
			float s = modulation(b, c);
			db += s * S.x;
			dg += s * S.y;
			if (pc.writeShift != 0)
				dshift[b * pc.nC + c] = S.x;
			if (pc.writeScale != 0)
				dscale[b * pc.nC + c] = gamma[c] * S.y + beta[c] * S.x;
		}
		dbeta[c] = db;
		dgamma[c] = dg;
	}
}

void main() {
	if (PASS == 0)
		dxPass();
	else
		paramPass();
}
