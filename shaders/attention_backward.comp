#version 450
// attention_backward.comp — the gradient of attention.comp with respect to qkv.
//
// CPU reference: tensor.AttentionBackwardRef (tensor/attention.go).
// Launcher: vk/attention_backward.go.
//
// qkv and dqkv are [3, B, H, T, Dh]: q, k and v (dq, dk and dv), each
// [B, H, T, Dh], one after the other (tensor.QKVParts). out and dout are
// [B, H, T, Dh]; lse and delta are [B, H, T]. Within one (b, h), the probabilities are recomputed from the
// saved lse instead of being stored:
//
//	p_ij    = exp(scale·(q_i·k_j) − lse_i)
//	delta_i = dout_i·out_i                  (= Σ_j p_ij·(dout_i·v_j))
//	ds_ij   = p_ij·(dout_i·v_j − delta_i)
//	dq_i    = scale·Σ_j ds_ij·k_j
//	dk_j    = scale·Σ_i ds_ij·q_i
//	dv_j    = Σ_i p_ij·dout_i
//
// dq sums over keys and dk, dv over queries, so the work is split into passes
// in which every output row has exactly one owner (no atomics):
//
//	PASS 0: one invocation per query row i writes delta_i.
//	PASS 1: one invocation per query row i writes dq_i.
//	PASS 2: one invocation per key row j writes dk_j and dv_j.
//
// Passes 1 and 2 both read delta, so the launcher runs 0, 1, 2 in order with a
// memory barrier after pass 0. Each pass recomputes p_ij, which costs a second
// pair of dot products per (i, j) but needs no T×T storage.
//
// BF16 (tensor.AttentionArgs.BF16): every product takes factors rounded to
// bfloat16, exactly the numbers tensor.AttentionBackwardRef rounds: q and k
// in s, dout and v in dp, p and dout in dv, and ds, which then carries the
// scale (ds_ij = scale·p_ij·(dp_ij − delta_i)), and k or q in dq and dk.
// delta_i is then Σ_j p_ij·dp_ij, the identity's form for the products
// actually computed, so pass 0 walks the keys as pass 1 does.
//
// Bindings: 0 dqkv, 1 dout, 2 qkv, 3 out, 4 lse, 5 delta (scratch of
// B·H·T floats, written by pass 0). Pass 1 writes the dq part of dqkv and
// pass 2 the dk and dv parts.
// Push constants: AttentionBackwardPush { B, H, T, Dh, scale }.
// Specialization: 0 PASS (uint) = 0, 1 or 2, as above; 1 BF16 (bool).
// Dispatch: 1-D, 64 invocations per workgroup, grid-stride over the B·H·T
// rows (query rows in passes 0 and 1, key rows in pass 2); grid
// min(⌈B·H·T/64⌉, 65535) in every pass.
//
// Blocking: as in attention.comp, one invocation per row, its vectors in
// per-invocation arrays of MAX_DH floats; Dh must be at most MAX_DH. Also as
// there, the loops over d that run once per key (pass 1) or query (pass 2)
// advance STEP elements at a time, so that a row costs about T·(1 + 2·Dh/STEP)
// of lavapipe's budget of 65535 loop iterations per invocation.

#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "bf16.glsl" // roundBF16

layout(local_size_x = 64) in;
layout(constant_id = 0) const uint PASS = 0;
layout(constant_id = 1) const bool BF16 = false;

layout(std430, set = 0, binding = 0) buffer DQKV { float dqkv[]; };
layout(std430, set = 0, binding = 1) readonly buffer DOut { float dout[]; };
layout(std430, set = 0, binding = 2) readonly buffer QKV { float qkv[]; };
layout(std430, set = 0, binding = 3) readonly buffer Out { float out_[]; };
layout(std430, set = 0, binding = 4) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 5) buffer Delta { float delta[]; };

layout(push_constant) uniform AttentionBackwardPush {
	uint B;
	uint H;
	uint T;
	uint Dh;
	float scale;
} pc;

const uint MAX_DH = 128; // DiT heads are 64 or 72 wide
const uint STEP = 8;     // elements of d per iteration of the loops over rows j or i

uint kBase, vBase; // where k and v (dk and dv) start in qkv (dqkv): B·H·T·Dh and twice that

// bf is a factor of a product: rounded to bfloat16 in BF16 mode.
float bf(float x) { return BF16 ? roundBF16(x) : x; }

// In BF16 mode ds carries the scale before it is rounded; otherwise the
// scale multiplies the sums at the end.
const float one = 1.0;

// delta_i = dout_i·out_i, or in BF16 mode Σ_j p_ij·dp_ij.
void deltaPass(uint i, uint Dh) {
	float s = 0.0;
	if (!BF16) {
		for (uint d = 0; d < Dh; d++)
			s += dout[i * pc.Dh + d] * out_[i * pc.Dh + d];
		delta[i] = s;
		return;
	}
	uint key0 = i - i % pc.T;
	float qi[MAX_DH], douti[MAX_DH];
	for (uint d = 0; d < Dh; d++) {
		qi[d] = roundBF16(qkv[i * pc.Dh + d]);
		douti[d] = roundBF16(dout[i * pc.Dh + d]);
	}
	for (uint j = key0; j < key0 + pc.T; j++) {
		float sc = 0.0, dp = 0.0;
		for (uint d = 0; d < Dh; d += STEP) {
			[[unroll]] for (uint e = 0; e < STEP; e++) {
				if (d + e < Dh) {
					sc += qi[d + e] * roundBF16(qkv[kBase + j * pc.Dh + d + e]);
					dp += douti[d + e] * roundBF16(qkv[vBase + j * pc.Dh + d + e]);
				}
			}
		}
		s += exp(pc.scale * sc - lse[i]) * dp;
	}
	delta[i] = s;
}

// dq_i = scale·Σ_j p_ij·(dout_i·v_j − delta_i)·k_j.
void dqPass(uint i, uint Dh) {
	uint key0 = i - i % pc.T; // first key row of this (b, h)
	float qi[MAX_DH], douti[MAX_DH], acc[MAX_DH];
	for (uint d = 0; d < Dh; d++) {
		qi[d] = bf(qkv[i * pc.Dh + d]);
		douti[d] = bf(dout[i * pc.Dh + d]);
		acc[d] = 0.0;
	}
	float lsei = lse[i], deltai = delta[i];
	for (uint j = key0; j < key0 + pc.T; j++) {
		float s = 0.0, dp = 0.0;
		for (uint d = 0; d < Dh; d += STEP) {
			[[unroll]] for (uint e = 0; e < STEP; e++) {
				if (d + e < Dh) {
					s += qi[d + e] * bf(qkv[kBase + j * pc.Dh + d + e]);
					dp += douti[d + e] * bf(qkv[vBase + j * pc.Dh + d + e]);
				}
			}
		}
		float p = exp(pc.scale * s - lsei);
		float ds = bf((BF16 ? pc.scale : one) * p * (dp - deltai));
		for (uint d = 0; d < Dh; d += STEP)
			[[unroll]] for (uint e = 0; e < STEP; e++)
				if (d + e < Dh)
					acc[d + e] += ds * bf(qkv[kBase + j * pc.Dh + d + e]);
	}
	for (uint d = 0; d < Dh; d++)
		dqkv[i * pc.Dh + d] = (BF16 ? one : pc.scale) * acc[d];
}

// dv_j = Σ_i p_ij·dout_i;  dk_j = scale·Σ_i p_ij·(dout_i·v_j − delta_i)·q_i.
void dkvPass(uint j, uint Dh) {
	uint query0 = j - j % pc.T; // first query row of this (b, h)
	float kj[MAX_DH], vj[MAX_DH], dkAcc[MAX_DH], dvAcc[MAX_DH];
	for (uint d = 0; d < Dh; d++) {
		kj[d] = bf(qkv[kBase + j * pc.Dh + d]);
		vj[d] = bf(qkv[vBase + j * pc.Dh + d]);
		dkAcc[d] = 0.0;
		dvAcc[d] = 0.0;
	}
	for (uint i = query0; i < query0 + pc.T; i++) {
		float s = 0.0, dp = 0.0;
		for (uint d = 0; d < Dh; d += STEP) {
			[[unroll]] for (uint e = 0; e < STEP; e++) {
				if (d + e < Dh) {
					s += bf(qkv[i * pc.Dh + d + e]) * kj[d + e];
					dp += bf(dout[i * pc.Dh + d + e]) * vj[d + e];
				}
			}
		}
		float p = exp(pc.scale * s - lse[i]);
		float ds = bf((BF16 ? pc.scale : one) * p * (dp - delta[i]));
		p = bf(p);
		for (uint d = 0; d < Dh; d += STEP) {
			[[unroll]] for (uint e = 0; e < STEP; e++) {
				if (d + e < Dh) {
					dvAcc[d + e] += p * bf(dout[i * pc.Dh + d + e]);
					dkAcc[d + e] += ds * bf(qkv[i * pc.Dh + d + e]);
				}
			}
		}
	}
	for (uint d = 0; d < Dh; d++) {
		dqkv[kBase + j * pc.Dh + d] = (BF16 ? one : pc.scale) * dkAcc[d];
		dqkv[vBase + j * pc.Dh + d] = dvAcc[d];
	}
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
		if (PASS == 0)
			deltaPass(row, Dh);
		else if (PASS == 1)
			dqPass(row, Dh);
		else
			dkvPass(row, Dh);
	}
}
