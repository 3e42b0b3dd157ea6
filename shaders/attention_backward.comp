#version 450
// attention_backward.comp — the gradient of attention.comp with respect to qkv.
//
// CPU reference: tensor.AttentionBackwardRef (tensor/attention.go).
// Launcher: vk/attention_backward.go.
//
// qkv and dqkv are [3, B, H, T, Dh]: q, k and v (dq, dk and dv), each
// [B, H, T, Dh], one after the other (tensor.QKVParts). out and dout are
// [B, H, T, Dh]; lse and delta are [B, H, T]. Within one (b, h), the
// probabilities are recomputed from the saved lse instead of being stored:
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
//	PASS 1: one invocation per query row i writes dq_i;
//	        the tiles hold keys (A) and values (B).
//	PASS 2: one invocation per key row j writes dk_j and dv_j;
//	        the tiles hold queries (A) and dout (B), and their lse and delta.
//
// Passes 1 and 2 both read delta, so the launcher runs 0, 1, 2 in order with a
// memory barrier after pass 0. Each pass recomputes p_ij, which costs a second
// pair of dot products per (i, j) but needs no T×T storage.
//
// Tiles: as in attention.comp, a workgroup of BR invocations owns BR
// consecutive rows of one (b, h), one row per invocation, and streams the
// rows of the other side through shared memory BC at a time
// (attention.glsl). In every pass an invocation keeps two rows of its own
// in registers (rowX, rowY: q_i and dout_i in passes 0 and 1, k_j and v_j in
// pass 2) and one or two sums (accX: dq_i or dk_j; accY: dv_j). Since a row
// belongs to one invocation, nothing is reduced across invocations.
//
// ROUND (tensor.AttentionArgs.Round): every product takes factors rounded to
// bfloat16 or float16 (operand, rounding.glsl), exactly the numbers
// tensor.AttentionBackwardRef rounds: q and k
// in s, dout and v in dp, p and dout in dv, and ds, which then carries the
// scale (ds_ij = scale·p_ij·(dp_ij − delta_i)), and k or q in dq and dk.
// Rows are rounded as they are loaded, so the walks are the same in both
// modes. delta_i is then Σ_j p_ij·dp_ij, the identity's form for the
// products actually computed, so pass 0 walks the keys as pass 1 does.
//
// Bindings: 0 dqkv, 1 dout, 2 qkv, 3 out, 4 lse, 5 delta (scratch of
// B·H·T floats, written by pass 0). Pass 1 writes the dq part of dqkv and
// pass 2 the dk and dv parts.
// Push constants: AttentionBackwardPush { B, H, T, Dh, scale }.
// Specialization: 0 BR (the workgroup size), 1 BC, 2 MAX_DH, as in
// attention.glsl; 3 PASS (uint) = 0, 1 or 2, as above; 4 ROUND (uint:
// tensor.Rounding).
// Dispatch: grid (⌈T/BR⌉, min(B·H, 65535)) in every pass, as in
// attention.comp.
//
// Loops: as in attention.comp, KSTEP rows of a tile per iteration and
// STEP elements of d per iteration, so that a row costs about
// T/KSTEP·(1 + 2·Dh/STEP) of lavapipe's budget of 65535 loop iterations per
// invocation, plus the loads.

#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "attention.glsl" // the tiles, their loader and the loop steps

layout(local_size_x_id = 0) in; // BR
layout(constant_id = 3) const uint PASS = 0;
layout(constant_id = 4) const uint ROUND = 0; // tensor.Rounding: 0 none, 1 bfloat16, 2 float16
#include "rounding.glsl" // operand, ROUNDED

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

// The lse and delta of the query rows of a tile (pass 2).
shared float tileL[BC];
shared float tileD[BC];

float rowX[MAX_DH], rowY[MAX_DH]; // this invocation's two rows
float accX[MAX_DH], accY[MAX_DH]; // its sums: dq_i, or dk_j and dv_j

// loadTiles stages the n rows from row j0 on of the (b, h) that starts at
// row row0: keys in tileA and values in tileB (passes 0 and 1), or queries
// in tileA, dout in tileB and their lse and delta (pass 2). Rows past n are
// zero.
void loadTiles(uint row0, uint j0, uint n, uint Dh) {
	uint part = pc.B * pc.H * pc.T * pc.Dh; // the length of each of q, k and v
	uint aBase = PASS == 2 ? 0 : part;       // q, or k
	uint first = (row0 + j0) * pc.Dh, total = padRows(n) * Dh;
	for (uint e0 = gl_LocalInvocationID.x; e0 < total; e0 += TILE_LOAD * BR)
		[[unroll]] for (uint u = 0; u < TILE_LOAD; u++) {
			uint e = e0 + u * BR;
			if (e < total) {
				bool in_ = e < n * Dh;
				float a = in_ ? qkv[aBase + first + e] : 0.0;
				float b = in_ ? (PASS == 2 ? dout[first + e] : qkv[2 * part + first + e]) : 0.0;
				tileA[e] = operand(a);
				tileB[e] = operand(b);
			}
		}
	if (PASS == 2)
		for (uint e = gl_LocalInvocationID.x; e < padRows(n); e += BR) {
			tileL[e] = e < n ? lse[row0 + j0 + e] : 0.0;
			tileD[e] = e < n ? delta[row0 + j0 + e] : 0.0;
		}
}

// dots sets s[u] = rowX·A_(c+u) and dp[u] = rowY·B_(c+u) for the KSTEP tile
// rows c…: q_i·k_j and dout_i·v_j in either pass.
void dots(uint c, uint Dh, out float s[KSTEP], out float dp[KSTEP]) {
	[[unroll]] for (uint u = 0; u < KSTEP; u++) {
		s[u] = 0.0;
		dp[u] = 0.0;
	}
	for (uint d = 0; d < Dh; d += STEP)
		[[unroll]] for (uint e = 0; e < STEP; e++)
			if (d + e < Dh) {
				float x = rowX[d + e], y = rowY[d + e];
				[[unroll]] for (uint u = 0; u < KSTEP; u++) {
					s[u] += x * tileA[(c + u) * Dh + d + e];
					dp[u] += y * tileB[(c + u) * Dh + d + e];
				}
			}
}

// accumulate adds Σ_u wa[u]·A_(c+u) to accX and, in pass 2, Σ_u wb[u]·B_(c+u)
// to accY: ds·k into dq, or ds·q into dk and p·dout into dv.
void accumulate(uint c, uint Dh, float wa[KSTEP], float wb[KSTEP]) {
	for (uint d = 0; d < Dh; d += STEP)
		[[unroll]] for (uint e = 0; e < STEP; e++)
			if (d + e < Dh) {
				float x = accX[d + e], y = accY[d + e];
				[[unroll]] for (uint u = 0; u < KSTEP; u++) {
					x += wa[u] * tileA[(c + u) * Dh + d + e];
					if (PASS == 2)
						y += wb[u] * tileB[(c + u) * Dh + d + e];
				}
				accX[d + e] = x;
				accY[d + e] = y;
			}
}

void main() {
	// The launcher picks MAX_DH ≥ Dh; the min keeps the arrays in bounds
	// even if that is ever missed.
	uint Dh = min(pc.Dh, MAX_DH);
	uint part = pc.B * pc.H * pc.T * pc.Dh;
	uint r = gl_WorkGroupID.x * BR + gl_LocalInvocationID.x; // the row this invocation owns
	bool live = r < pc.T; // the last workgroup's spare invocations only load tiles
	// In a rounded mode ds carries the scale before it is rounded; otherwise the
	// scale multiplies the sums at the end.
	float dsScale = ROUNDED ? pc.scale : 1.0, endScale = ROUNDED ? 1.0 : pc.scale;
	for (uint bh = gl_WorkGroupID.y; bh < pc.B * pc.H; bh += gl_NumWorkGroups.y) {
		uint row0 = bh * pc.T, own = row0 + r;
		if (PASS == 0 && !ROUNDED) {
			// delta_i = dout_i·out_i needs no walk over the keys.
			if (live) {
				float s = 0.0;
				for (uint d = 0; d < Dh; d++)
					s += dout[own * pc.Dh + d] * out_[own * pc.Dh + d];
				delta[own] = s;
			}
			continue; // PASS and ROUND are constants: every invocation takes this
		}
		for (uint d = 0; d < Dh; d++) {
			float x = 0.0, y = 0.0;
			if (live) {
				x = qkv[(PASS == 2 ? part : 0) + own * pc.Dh + d];     // k_j or q_i
				y = PASS == 2 ? qkv[2 * part + own * pc.Dh + d] : dout[own * pc.Dh + d]; // v_j or dout_i
			}
			rowX[d] = operand(x);
			rowY[d] = operand(y);
			accX[d] = 0.0;
			accY[d] = 0.0;
		}
		float lseOwn = 0.0, deltaOwn = 0.0; // of query row i (passes 0 and 1)
		if (PASS != 2 && live) {
			lseOwn = lse[own];
			deltaOwn = PASS == 1 ? delta[own] : 0.0;
		}
		float deltaSum = 0.0; // pass 0 in a rounded mode: Σ_j p_ij·dp_ij
		for (uint j0 = 0; j0 < pc.T; j0 += BC) {
			uint n = min(BC, pc.T - j0);
			barrier(); // every invocation is done with the last tiles
			loadTiles(row0, j0, n, Dh);
			barrier();
			for (uint c = 0; live && c < n; c += KSTEP) {
				float s[KSTEP], dp[KSTEP], ds[KSTEP], pr[KSTEP];
				dots(c, Dh, s, dp);
				[[unroll]] for (uint u = 0; u < KSTEP; u++) {
					float L = PASS == 2 ? tileL[c + u] : lseOwn;
					float D = PASS == 2 ? tileD[c + u] : deltaOwn;
					float p = c + u < n ? exp(pc.scale * s[u] - L) : 0.0;
					deltaSum += p * dp[u];
					ds[u] = operand(dsScale * p * (dp[u] - D));
					pr[u] = operand(p);
				}
				if (PASS != 0)
					accumulate(c, Dh, ds, pr);
			}
		}
		if (live && PASS == 0)
			delta[own] = deltaSum;
		for (uint d = 0; live && PASS != 0 && d < Dh; d++) {
			if (PASS == 1)
				dqkv[own * pc.Dh + d] = endScale * accX[d];
			else {
				dqkv[part + own * pc.Dh + d] = endScale * accX[d];
				dqkv[2 * part + own * pc.Dh + d] = accY[d];
			}
		}
	}
}
