#version 450
// matmul.comp — batched out[n] = op(A[n])·op(B[n]) (+ bias) (+ out[n]).
//
// CPU reference: tensor.MatMulRef (tensor/matmul.go). Launcher: vk/matmul.go.
//
// For n < batch, i < M, j < N:
//
//	r = (ACCUMULATE ? out[n,i,j] : 0) + bias[j] + Σ_k A(n,i,k)·B(n,k,j)
//
// and then, by the EPILOGUE (tensor.Epilogue):
//
//	0 none       out[n,i,j] = r
//	1 GELU       aux[n,i,j] = r, out[n,i,j] = GELU(r)
//	2 GELU grad  out[n,i,j] = r·GELU'(aux[n,i,j])
//
// With ROUND, A(n,i,k) and B(n,k,j) are rounded to bfloat16 or float16
// (operand, rounding.glsl) before they are multiplied; their products are exact in
// float32 and the sum is float32 as without it.
//
// op(A) is M×K, stored M×K row-major (a[n,i,k]) or K×M when TRANS_A
// (a[n,k,i]); op(B) is K×N, stored K×N (b[n,k,j]) or N×K when TRANS_B
// (b[n,j,k]). Batch n starts at n·M·K in a, n·K·N in b and n·M·N in out.
//
// Bindings: 0 out, 1 a, 2 b, 3 bias (any buffer when !HAS_BIAS; never read),
// 4 aux as the GELU epilogue writes it, 5 aux as the gradient's reads it
// (read-only, so that the recorder and the synchronization validator see
// a read). A binding the epilogue does not use gets out (4) or any buffer
// (5), never touched: a spare writable binding of its own would be a
// write to the same placeholder in every product, and order them all.
// Push constants: MatMulPush { batch, M, N, K }.
// Specialization: 0 TRANS_A, 1 TRANS_B, 2 HAS_BIAS, 3 ACCUMULATE (bool);
// 4 ROUND (uint: tensor.Rounding); 5 BLOCK (uint: 4 or 8), the rows and
// columns of out per invocation, chosen per device by the launcher;
// 6 EPILOGUE (uint: tensor.Epilogue); 7 VEC (uint: bit 0 for A, bit 1 for
// B), set by the launcher for an operand whose rows in global memory are
// whole vec4s (their length a multiple of 4), which it then loads four
// floats at a time.
// Dispatch: 16×16 invocations per workgroup, grid (⌈N/TILE⌉, ⌈M/TILE⌉,
// min(batch, 65535)), TILE = 16·BLOCK. Workgroup (x, y) owns the TILE×TILE
// tile of out at rows TILE·y…, columns TILE·x…, and walks the batches z,
// z + gridZ, ….
//
// Blocking: each invocation owns a BLOCK×BLOCK block of the tile, rows
// ty + 16r and columns tx + 16c (r, c < BLOCK). With BLOCK² outputs per
// invocation, each step of k costs 2·BLOCK shared-memory reads for BLOCK²
// multiply-adds, where one output per invocation would cost 2 reads per
// multiply-add. The stride of 16 (rather than BLOCK adjacent rows and
// columns) keeps neighbouring invocations on neighbouring columns: their
// shared-memory reads hit distinct banks, and their global writes are
// contiguous. K is walked 16 at a time: a step stages a TILE×16 slice of
// op(A) and a 16×TILE slice of op(B) in shared memory (8.5 KiB with
// padding for TILE 64, 16.6 KiB for 128), each loaded by all 256
// invocations, BLOCK elements apiece, in the order that reads global memory
// contiguously for the given transpose. Elements outside M, N or K are
// loaded as zero, so partial tiles need no special case in the inner loop.
//
// BLOCK 8 (128×128 tiles, 64 accumulators an invocation) is for discrete
// GPUs, whose register files hold them and whose memory bandwidth they
// spare: each element staged feeds 128 multiply-adds instead of 64. BLOCK 4
// is for CPU drivers (lavapipe) and integrated GPUs, whose products are
// often too small to fill 128×128 tiles.
//
// ROUND rounds each element as it is staged, so the inner loop is the same
// in every precision: an invocation rounds the 8 elements it stages per
// step, not the 128 it reads back from shared memory. ROUND is a
// specialization constant, like the transposes, so the driver folds it
// away: the float32 pipelines carry no test and no rounding, and the
// rounding costs only the mixed-precision ones.
//
// The loops of fixed length are marked [[unroll]]: acc must be indexed by
// constants to live in registers, and Mesa's lavapipe (the CI device) ends
// the loops of an invocation once they have run 65535 iterations in all, so
// only the loops over k0 and n should count against that budget.

#extension GL_EXT_control_flow_attributes : require

#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 16, local_size_y = 16) in; // SIDE × SIDE

layout(constant_id = 0) const bool TRANS_A = false;
layout(constant_id = 1) const bool TRANS_B = false;
layout(constant_id = 2) const bool HAS_BIAS = false;
layout(constant_id = 3) const bool ACCUMULATE = false;
layout(constant_id = 4) const uint ROUND = 0; // tensor.Rounding: 0 none, 1 bfloat16, 2 float16
#include "rounding.glsl" // operand
layout(constant_id = 5) const uint BLOCK = 4; // rows and columns of out per invocation
layout(constant_id = 6) const uint EPILOGUE = 0; // 0 none, 1 GELU, 2 GELU's gradient
layout(constant_id = 7) const uint VEC = 0;      // bit 0: load A as vec4s; bit 1: B
const bool VEC_A = (VEC & 1u) != 0u;
const bool VEC_B = (VEC & 2u) != 0u;
#include "gelu.glsl" // gelu, geluDerivative

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { float b[]; };
// The same two buffers as vec4s, for the vector loads (VEC).
layout(std430, set = 0, binding = 1) readonly buffer A4 { vec4 a4[]; };
layout(std430, set = 0, binding = 2) readonly buffer B4 { vec4 b4[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 4) buffer Aux { float aux[]; };
layout(std430, set = 0, binding = 5) readonly buffer AuxIn { float auxIn[]; };

layout(push_constant) uniform MatMulPush {
	uint batch;
	uint M;
	uint N;
	uint K;
} pc;

const uint SIDE = 16;          // invocations along each side of the workgroup
const uint TILE = SIDE * BLOCK; // rows and columns of out per workgroup
const uint TK = 16;            // depth of one shared-memory step
const uint THREADS = SIDE * SIDE;

// The +1 padding puts consecutive rows of a tile in consecutive banks, so the
// transposed loads (which write down a column of As or Bs) don't serialise.
shared float As[TILE][TK + 1]; // As[r][kk] = A(n, row0 + r, k0 + kk)
shared float Bs[TK][TILE + 1]; // Bs[kk][c] = B(n, k0 + kk, col0 + c)

void main() {
	uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
	uint tid = gl_LocalInvocationIndex;
	uint row0 = gl_WorkGroupID.y * TILE, col0 = gl_WorkGroupID.x * TILE;

	// n depends only on the workgroup, so the barriers below are in uniform
	// control flow.
	for (uint n = gl_WorkGroupID.z; n < pc.batch; n += gl_NumWorkGroups.z) {
		uint aBase = n * pc.M * pc.K, bBase = n * pc.K * pc.N, cBase = n * pc.M * pc.N;

		float acc[BLOCK][BLOCK];
		[[unroll]] for (uint r = 0; r < BLOCK; r++)
			[[unroll]] for (uint c = 0; c < BLOCK; c++)
				acc[r][c] = 0.0;

		for (uint k0 = 0; k0 < pc.K; k0 += TK) {
			// Consecutive invocations take consecutive addresses in global
			// memory: along k for a stored M×K, along i for a stored K×M.
			// With VEC_A each takes 4 of them, a vec4 that lies wholly
			// inside or wholly outside the matrix: its row length (K, or M
			// transposed) is a multiple of 4, and so is where it starts.
			[[unroll]] for (uint l = 0; VEC_A && l < TILE * TK / (4 * THREADS); l++) {
				uint e = tid + l * THREADS; // a vec4 of the slice
				uint r = TRANS_A ? e % (TILE / 4) * 4 : e / (TK / 4);
				uint kk = TRANS_A ? e / (TILE / 4) : e % (TK / 4) * 4;
				uint i = row0 + r, k = k0 + kk;
				vec4 v = vec4(0.0);
				if (i < pc.M && k < pc.K)
					v = a4[(aBase + (TRANS_A ? k * pc.M + i : i * pc.K + k)) / 4];
				[[unroll]] for (uint q = 0; q < 4; q++) {
					if (TRANS_A)
						As[r + q][kk] = operand(v[q]);
					else
						As[r][kk + q] = operand(v[q]);
				}
			}
			[[unroll]] for (uint l = 0; !VEC_A && l < TILE * TK / THREADS; l++) {
				uint e = tid + l * THREADS;
				uint r = TRANS_A ? e % TILE : e / TK;
				uint kk = TRANS_A ? e / TILE : e % TK;
				uint i = row0 + r, k = k0 + kk;
				float v = 0.0;
				if (i < pc.M && k < pc.K) {
					if (TRANS_A)
						v = a[aBase + k * pc.M + i];
					else
						v = a[aBase + i * pc.K + k];
				}
				As[r][kk] = operand(v);
			}
			// Likewise along j for a stored K×N, along k for a stored N×K.
			[[unroll]] for (uint l = 0; VEC_B && l < TK * TILE / (4 * THREADS); l++) {
				uint e = tid + l * THREADS;
				uint kk = TRANS_B ? e % (TK / 4) * 4 : e / (TILE / 4);
				uint c = TRANS_B ? e / (TK / 4) : e % (TILE / 4) * 4;
				uint k = k0 + kk, j = col0 + c;
				vec4 v = vec4(0.0);
				if (k < pc.K && j < pc.N)
					v = b4[(bBase + (TRANS_B ? j * pc.K + k : k * pc.N + j)) / 4];
				[[unroll]] for (uint q = 0; q < 4; q++) {
					if (TRANS_B)
						Bs[kk + q][c] = operand(v[q]);
					else
						Bs[kk][c + q] = operand(v[q]);
				}
			}
			[[unroll]] for (uint l = 0; !VEC_B && l < TK * TILE / THREADS; l++) {
				uint e = tid + l * THREADS;
				uint kk = TRANS_B ? e % TK : e / TILE;
				uint c = TRANS_B ? e / TK : e % TILE;
				uint k = k0 + kk, j = col0 + c;
				float v = 0.0;
				if (k < pc.K && j < pc.N) {
					if (TRANS_B)
						v = b[bBase + j * pc.K + k];
					else
						v = b[bBase + k * pc.N + j];
				}
				Bs[kk][c] = operand(v);
			}
			barrier();

			[[unroll]] for (uint kk = 0; kk < TK; kk++) {
				float av[BLOCK], bv[BLOCK];
				[[unroll]] for (uint r = 0; r < BLOCK; r++)
					av[r] = As[ty + SIDE * r][kk];
				[[unroll]] for (uint c = 0; c < BLOCK; c++)
					bv[c] = Bs[kk][tx + SIDE * c];
				[[unroll]] for (uint r = 0; r < BLOCK; r++)
					[[unroll]] for (uint c = 0; c < BLOCK; c++)
						acc[r][c] += av[r] * bv[c];
			}
			// Everyone is done reading this step's tiles before the next
			// step (or the next batch) overwrites them.
			barrier();
		}

		[[unroll]] for (uint r = 0; r < BLOCK; r++) {
			[[unroll]] for (uint c = 0; c < BLOCK; c++) {
				uint i = row0 + ty + SIDE * r, j = col0 + tx + SIDE * c;
				if (i < pc.M && j < pc.N) {
					float v = acc[r][c];
					if (HAS_BIAS)
						v += bias[j];
					if (ACCUMULATE)
						v += out_[cBase + i * pc.N + j];
					if (EPILOGUE == 1) {
						aux[cBase + i * pc.N + j] = v;
						v = gelu(v);
					} else if (EPILOGUE == 2)
						v *= geluDerivative(auxIn[cBase + i * pc.N + j]);
					out_[cBase + i * pc.N + j] = v;
				}
			}
		}
	}
}
