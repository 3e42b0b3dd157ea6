#version 450
// attention.comp — fused softmax attention, forward: out = softmax(q·kᵀ·scale)·v.
//
// CPU reference: tensor.AttentionRef (tensor/attention.go). Launcher: vk/attention.go.
//
// qkv is [3, B, H, T, Dh]: q, k and v, each [B, H, T, Dh], one after the
// other (tensor.QKVParts). out is [B, H, T, Dh], lse is [B, H, T], all
// contiguous. For every query row (b, h, i), with s_j = scale·(q_i·k_j) over
// the keys j < T of the same (b, h):
//
//	lse[b,h,i]   = log Σ_j exp(s_j)
//	out[b,h,i,:] = Σ_j exp(s_j − lse[b,h,i])·v_j
//
// The T scores of a row are never stored. The row walks the keys once with
// the online softmax: it keeps the running max m, the running sum
// l = Σ exp(s_j − m) and the running acc = Σ exp(s_j − m)·v_j, and rescales
// l and acc by exp(m_old − m_new) whenever m grows, so no exp overflows.
// At the end out = acc / l and lse = m + log l.
//
// Tiles (flash attention). A workgroup of BR invocations takes BR
// consecutive query rows of one (b, h), one row per invocation, with q_i
// and acc in that invocation's registers. The workgroup streams the keys
// and values of its (b, h) through shared memory, BC rows at a time: all
// BR invocations load a tile together (contiguous, coalesced reads), wait at
// a barrier, and each then walks the tile's BC keys for its own row. So
// global memory serves k and v once per BR query rows, not once per row:
// B·H·⌈T/BR⌉·T·Dh·2 floats instead of B·H·T·T·Dh·2.
//
// Each invocation owns its whole row, so the max and the sum of its softmax
// live in its registers: no value is reduced across invocations, and the
// shader needs no subgroup operations and no shared memory beyond the tile.
//
// ROUND (tensor.AttentionArgs.Round): both products take factors rounded to
// bfloat16 or float16 (operand, rounding.glsl): q and k in s_j, and
// P_j = exp(s_j − lse) and v in out, exactly the numbers tensor.AttentionRef
// rounds. A probability can be
// rounded only once it is final, so this mode streams the tiles twice: once
// for m and l (the online softmax without v), then again for
// out = Σ_j round(exp(s_j − lse))·round(v_j).
//
// Bindings: 0 out, 1 lse, 2 qkv.
// Push constants: AttentionPush { B, H, T, Dh, scale }.
// Specialization (chosen by the launcher from the device's limits and Dh):
// 0 BR (uint), the workgroup size and query rows per workgroup; 1 BC
// (uint), key rows per tile, a multiple of KSTEP; 2 MAX_DH (uint), the
// longest head the registers and tiles hold, a multiple of STEP and at
// least Dh; 3 ROUND (uint: tensor.Rounding).
// Dispatch: grid (⌈T/BR⌉, min(B·H, 65535)). Workgroup (x, y) takes the
// query rows x·BR… of the (b, h) pairs y, y + gridY, ….
//
// Loops: the keys of a tile are taken KSTEP at a time, their KSTEP dot
// products in one walk over d; the walks over d advance STEP elements at a
// time, unrolled and guarded by d < Dh. Mesa's lavapipe (the CI device) ends
// the loops of an invocation once they have run 65535 iterations in all; a
// row costs about T/KSTEP·(1 + 2·Dh/STEP) of that budget plus
// ⌈T/BC⌉·⌈BC·Dh/(4·BR)⌉ for the loads, 38,000 at T = 4096, Dh = 128.
// A rounded mode's second walk over the keys raises that to about 56,000. Unrolling
// all of d would spare the budget but takes lavapipe tens of seconds to
// compile. On a CPU driver the launcher refuses a call that would run past
// the budget (attentionTiles.loopIterations), 4096 tokens with heads of 512
// for one, rather than let it end silently.

#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
#include "attention.glsl" // the tiles, their loader and the loop steps

layout(local_size_x_id = 0) in; // BR
layout(constant_id = 3) const uint ROUND = 0; // tensor.Rounding: 0 none, 1 bfloat16, 2 float16
#include "rounding.glsl" // operand, ROUNDED

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

float qi[MAX_DH];  // the query row, rounded in a rounded mode
float acc[MAX_DH]; // Σ_j exp(s_j − m)·v_j so far

// loadTile stages the n key rows (in tileA) and value rows (in tileB) of the
// (b, h) that starts at row row0, from key j0 on; rows past n are zero.
// Keys are rounded as they are staged in a rounded mode; values in the second
// walk only (roundV).
void loadTile(uint row0, uint j0, uint n, uint Dh, bool roundV) {
	uint kBase = pc.B * pc.H * pc.T * pc.Dh, vBase = 2 * kBase;
	uint first = (row0 + j0) * pc.Dh, total = padRows(n) * Dh;
	for (uint e0 = gl_LocalInvocationID.x; e0 < total; e0 += TILE_LOAD * BR)
		[[unroll]] for (uint u = 0; u < TILE_LOAD; u++) {
			uint e = e0 + u * BR;
			if (e < total) {
				bool in_ = e < n * Dh;
				float k = in_ ? qkv[kBase + first + e] : 0.0;
				float v = in_ ? qkv[vBase + first + e] : 0.0;
				tileA[e] = operand(k);
				tileB[e] = roundV ? operand(v) : v;
			}
		}
}

// scores returns s for the KSTEP keys c… of the tile; keys at or past n
// get NO_SCORE, which no exp survives.
float[KSTEP] scores(uint c, uint n, uint Dh) {
	float s[KSTEP];
	[[unroll]] for (uint u = 0; u < KSTEP; u++)
		s[u] = 0.0;
	for (uint d = 0; d < Dh; d += STEP)
		[[unroll]] for (uint e = 0; e < STEP; e++)
			if (d + e < Dh) {
				float x = qi[d + e];
				[[unroll]] for (uint u = 0; u < KSTEP; u++)
					s[u] += x * tileA[(c + u) * Dh + d + e];
			}
	[[unroll]] for (uint u = 0; u < KSTEP; u++)
		s[u] = c + u < n ? pc.scale * s[u] : NO_SCORE;
	return s;
}

// addValues adds Σ_u p[u]·v_(c+u) to acc, after scaling acc by rescale.
void addValues(uint c, float p[KSTEP], float rescale, uint Dh) {
	for (uint d = 0; d < Dh; d += STEP)
		[[unroll]] for (uint e = 0; e < STEP; e++)
			if (d + e < Dh) {
				float a = acc[d + e] * rescale;
				[[unroll]] for (uint u = 0; u < KSTEP; u++)
					a += p[u] * tileB[(c + u) * Dh + d + e];
				acc[d + e] = a;
			}
}

void main() {
	// The launcher picks MAX_DH ≥ Dh; the min keeps the arrays in bounds
	// even if that is ever missed.
	uint Dh = min(pc.Dh, MAX_DH);
	uint i = gl_WorkGroupID.x * BR + gl_LocalInvocationID.x; // query of this invocation
	bool live = i < pc.T; // the last workgroup's spare invocations only load tiles
	for (uint bh = gl_WorkGroupID.y; bh < pc.B * pc.H; bh += gl_NumWorkGroups.y) {
		uint row0 = bh * pc.T; // first row of this (b, h)
		for (uint d = 0; d < Dh; d++) {
			qi[d] = live ? operand(qkv[(row0 + i) * pc.Dh + d]) : 0.0;
			acc[d] = 0.0;
		}
		// m starts below every score, so the first keys set it (and their
		// rescale exp(m − s) is 0, not a product with −∞); each group of
		// KSTEP keys holds at least one key, so m is a score from then on.
		float m = NO_SCORE, l = 0.0;
		for (uint j0 = 0; j0 < pc.T; j0 += BC) {
			uint n = min(BC, pc.T - j0);
			barrier(); // every invocation is done with the last tile
			loadTile(row0, j0, n, Dh, false);
			barrier();
			for (uint c = 0; live && c < n; c += KSTEP) {
				float s[KSTEP] = scores(c, n, Dh);
				float mNew = m;
				[[unroll]] for (uint u = 0; u < KSTEP; u++)
					mNew = max(mNew, s[u]);
				// What was summed so far is rescaled to the new max;
				// rescale is exactly 1 when the max did not grow.
				float rescale = exp(m - mNew);
				float p[KSTEP];
				l *= rescale;
				[[unroll]] for (uint u = 0; u < KSTEP; u++) {
					p[u] = exp(s[u] - mNew);
					l += p[u];
				}
				m = mNew;
				if (!ROUNDED)
					addValues(c, p, rescale, Dh);
			}
		}
		// l ≥ 1, less rounding: the key that set m added exp(0).
		float L = m + log(l);
		if (ROUNDED) {
			for (uint j0 = 0; j0 < pc.T; j0 += BC) {
				uint n = min(BC, pc.T - j0);
				barrier();
				loadTile(row0, j0, n, Dh, true);
				barrier();
				for (uint c = 0; live && c < n; c += KSTEP) {
					float s[KSTEP] = scores(c, n, Dh);
					float p[KSTEP];
					[[unroll]] for (uint u = 0; u < KSTEP; u++)
						p[u] = operand(exp(s[u] - L));
					addValues(c, p, 1.0, Dh);
				}
			}
			l = 1.0; // acc is out already
		}
		if (live) {
			for (uint d = 0; d < Dh; d++)
				out_[(row0 + i) * pc.Dh + d] = acc[d] / l;
			lse[row0 + i] = L;
		}
	}
}
