#version 450
// conv2d.comp — 2-D convolution in NCHW: out = x ⋆ w (+ bias).
//
// CPU reference: tensor.Conv2DRef (tensor/conv.go). Launcher: vk/conv2d.go.
//
// x is [B, Cin, H, W], w [Cout, Cin, KH, KW], bias [Cout], out
// [B, Cout, OH, OW]. For every output element
//
//	out[b,co,oy,ox] = bias[co] + Σ_{ci,ky,kx} x[b, ci, oy·stride+ky−pad, ox·stride+kx−pad] · w[co,ci,ky,kx]
//
// where x is zero outside its H×W plane (the padding): a tap that falls
// there is skipped.
//
// One invocation per output element, grid-stride over the B·Cout·OH·OW
// elements, so every element is written by exactly one invocation, which
// sums in the reference's order (ci, then ky, then kx). Neighbouring
// invocations compute neighbouring pixels of one output row, so they read
// neighbouring pixels of x and the same weight. This is the plain kernel,
// correct on any device; staging tiles of x and w in shared memory is the
// work of a GPU-tuned version. Per invocation the loops run Cin·KH·KW
// times per element, within lavapipe's loop budget at test sizes.
//
// Bindings: 0 out, 1 x, 2 w, 3 bias (read only when hasBias is 1).
// Push constants: Conv2DPush (conv2d.glsl) { B, Cin, H, W, Cout, KH, KW,
// stride, pad, OH, OW, hasBias, accumulate }; this shader reads hasBias.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup,
// min(⌈B·Cout·OH·OW/256⌉, 65535) workgroups.

#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Wt { float w[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { float bias[]; };

#include "conv2d.glsl" // Conv2DPush pc, xIndex, wIndex, outIndex

void main() {
	uint n = pc.B * pc.Cout * pc.OH * pc.OW;
	uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint e = gl_GlobalInvocationID.x; e < n; e += step) {
		uint ox = e % pc.OW, oy = e / pc.OW % pc.OH;
		uint co = e / (pc.OW * pc.OH) % pc.Cout, b = e / (pc.OW * pc.OH * pc.Cout);
		int iy0 = int(oy * pc.stride) - int(pc.pad), ix0 = int(ox * pc.stride) - int(pc.pad);
		float acc = 0.0;
		for (uint ci = 0; ci < pc.Cin; ci++) {
			for (uint ky = 0; ky < pc.KH; ky++) {
				int iy = iy0 + int(ky);
				if (iy < 0 || iy >= int(pc.H))
					continue;
				for (uint kx = 0; kx < pc.KW; kx++) {
					int ix = ix0 + int(kx);
					if (ix < 0 || ix >= int(pc.W))
						continue;
					acc += x[xIndex(b, ci, iy, ix)] * w[wIndex(co, ci, ky, kx)];
				}
			}
		}
		if (pc.hasBias != 0)
			acc += bias[co];
		out_[e] = acc;
	}
}
