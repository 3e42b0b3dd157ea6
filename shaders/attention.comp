#version 450
// attention.comp — fused softmax attention, forward: out = softmax(q·kᵀ·scale)·v.
//
// CPU reference: tensor.AttentionRef (tensor/attention.go). Launcher: vk/attention.go.
//
// qkv is [3, B, H, T, Dh]: q, k and v, each [B, H, T, Dh], one after the
// other (tensor.QKVParts). out is [B, H, T, Dh], lse is [B, H, T], all
// contiguous. For
// every query row (b, h, i), with s_j = scale·(q_i·k_j) over the keys j < T
// of the same (b, h):
//
//	lse[b,h,i]   = log Σ_j exp(s_j)
//	out[b,h,i,:] = Σ_j exp(s_j − lse[b,h,i])·v_j
//
// The T scores of a row are never stored. The row walks j once with the
// online softmax: it keeps the running max m, the running sum
// l = Σ exp(s_j − m) and the running acc = Σ exp(s_j − m)·v_j, and rescales
// l and acc by exp(m_old − m_new) whenever m grows, so no exp overflows.
// At the end out = acc / l and lse = m + log l.
//
// BF16 (tensor.AttentionArgs.BF16): both products take factors rounded to
// bfloat16 (roundBF16): q and k in s_j, and P_j = exp(s_j − lse) and v in
// out, exactly the numbers tensor.AttentionRef rounds. A probability can be
// rounded only once it is final, so this mode walks the keys twice: once
// for m and l (the online softmax without v), then again for
// out = Σ_j round(exp(s_j − lse))·round(v_j).
//
// Bindings: 0 out, 1 lse, 2 qkv.
// Push constants: AttentionPush { B, H, T, Dh, scale }.
// Specialization: 0 BF16 (bool).
// Dispatch: 1-D, 64 invocations per workgroup, grid-stride over the B·H·T
// query rows; grid min(⌈B·H·T/64⌉, 65535). Each invocation owns whole rows
// of out and lse.
//
// Blocking: one invocation per query row, with q_i and acc in per-invocation
// arrays of MAX_DH floats. This is the plainest correct form of the fused
// kernel: no shared memory and no barriers. Neighbouring invocations are
// neighbouring rows of the same (b, h) (unless T is small), so they read the
// same k_j and v_j at the same time and the cache serves them once. Dh must
// be at most MAX_DH; the launcher refuses larger heads.
//
// The loops over d that run once per key advance STEP elements at a time,
// the STEP unrolled and guarded by d < Dh. Mesa's lavapipe (the CI device)
// ends the loops of an invocation once they have run 65535 iterations in all;
// this way a row costs about T·(1 + 2·Dh/STEP) of that budget, so with one
// row per invocation T up to about 3000 (Dh = 72) or 1800 (Dh = 128) works
// there. Unrolling all of d would spare the budget but takes lavapipe tens
// of seconds to compile. BF16's second walk over the keys halves those
// limits.

#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "bf16.glsl" // roundBF16

layout(local_size_x = 64) in;
layout(constant_id = 0) const bool BF16 = false;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 2) readonly buffer QKV { float qkv[]; };

layout(push_constant) uniform AttentionPush {
	uint B;
	uint H;
	uint T;
	uint Dh;
	float scale;
} pc;

const uint MAX_DH = 128; // DiT heads are 64 or 72 wide
const uint STEP = 8;     // elements of d per iteration of the loops over keys

float qi[MAX_DH];  // the query row
float acc[MAX_DH]; // Σ_j exp(s_j − m)·v_j so far
uint kBase, vBase; // where k and v start in qkv: B·H·T·Dh and twice that

// bf is a factor of a product: rounded to bfloat16 in BF16 mode.
float bf(float x) { return BF16 ? roundBF16(x) : x; }

// score returns s_j for key row kr (an index into the B·H·T rows of k).
float score(uint kr, uint Dh) {
	float dot = 0.0;
	for (uint d = 0; d < Dh; d += STEP)
		[[unroll]] for (uint e = 0; e < STEP; e++)
			if (d + e < Dh)
				dot += qi[d + e] * bf(qkv[kBase + kr * pc.Dh + d + e]);
	return pc.scale * dot;
}

void main() {
	uint rows = pc.B * pc.H * pc.T;
	// The launcher refuses Dh > MAX_DH; the min keeps the arrays in bounds
	// even if that check is ever missed.
	uint Dh = min(pc.Dh, MAX_DH);
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	kBase = rows * pc.Dh;
	vBase = 2 * kBase;
	for (uint row = gl_GlobalInvocationID.x; row < rows; row += stride) {
		uint key0 = row - row % pc.T; // first key row of this (b, h)
		for (uint d = 0; d < Dh; d++) {
			qi[d] = bf(qkv[row * pc.Dh + d]);
			acc[d] = 0.0;
		}
		// Starting m at the first score avoids −∞ and its exp(−∞ − s).
		float m = score(key0, Dh), l = 0.0;
		for (uint j = 0; j < pc.T; j++) {
			uint kr = key0 + j;
			float s = score(kr, Dh);
			// When s raises the max, what was summed so far is rescaled to
			// the new max by c; otherwise c is exactly 1.
			float c = 1.0;
			if (s > m) {
				c = exp(m - s);
				m = s;
			}
			float p = exp(s - m);
			l = l * c + p;
			if (!BF16)
				for (uint d = 0; d < Dh; d += STEP)
					[[unroll]] for (uint e = 0; e < STEP; e++)
						if (d + e < Dh)
							acc[d + e] = acc[d + e] * c + p * qkv[vBase + kr * pc.Dh + d + e];
		}
		// l ≥ 1, less rounding: the key that set m added exp(0).
		float L = m + log(l);
		if (BF16) {
			for (uint j = 0; j < pc.T; j++) {
				uint kr = key0 + j;
				float p = roundBF16(exp(score(kr, Dh) - L));
				for (uint d = 0; d < Dh; d += STEP)
					[[unroll]] for (uint e = 0; e < STEP; e++)
						if (d + e < Dh)
							acc[d + e] += p * roundBF16(qkv[vBase + kr * pc.Dh + d + e]);
			}
			l = 1.0; // acc is out already
		}
		for (uint d = 0; d < Dh; d++)
			out_[row * pc.Dh + d] = acc[d] / l;
		lse[row] = L;
	}
}
