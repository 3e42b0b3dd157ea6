#version 450
// conv2d_backward_input.comp — dx, the gradient of conv2d.comp with respect
// to its input.
//
// CPU reference: tensor.Conv2DBackwardInputRef (tensor/conv.go).
// Launcher: vk/conv2d_backward_input.go.
//
// dout is [B, Cout, OH, OW], w [Cout, Cin, KH, KW], dx [B, Cin, H, W]. An
// input pixel reaches every output whose window covers it, so
//
//	dx[b,ci,iy,ix] = Σ_{co,ky,kx} dout[b, co, (iy+pad−ky)/stride, (ix+pad−kx)/stride] · w[co,ci,ky,kx]
//
// over the taps where both divisions are exact and land inside dout.
//
// This is a gather: one invocation per dx element, grid-stride over the
// B·Cin·H·W elements, so every element is written by exactly one
// invocation and no atomics are needed (a scatter from each output pixel
// would have several invocations add to one dx). Only every stride-th ky
// can divide exactly — those with ky ≡ iy+pad (mod stride) — so the ky
// and kx loops start at that residue and step by stride; the terms are
// summed in the reference's order (co, ky, kx). The loops run
// Cout·⌈KH/stride⌉·⌈KW/stride⌉ times per element.
//
// Bindings: 0 dx, 1 dout, 2 w.
// Push constants: Conv2DPush (conv2d.glsl) { B, Cin, H, W, Cout, KH, KW,
// stride, pad, OH, OW, hasBias, accumulate }; this shader reads neither
// flag.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup,
// min(⌈B·Cin·H·W/256⌉, 65535) workgroups.

#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer DX { float dx[]; };
layout(std430, set = 0, binding = 1) readonly buffer DOut { float dout[]; };
layout(std430, set = 0, binding = 2) readonly buffer Wt { float w[]; };

#include "conv2d.glsl" // Conv2DPush pc, xIndex, wIndex, outIndex

void main() {
	uint n = pc.B * pc.Cin * pc.H * pc.W;
	uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint e = gl_GlobalInvocationID.x; e < n; e += step) {
		uint ix = e % pc.W, iy = e / pc.W % pc.H;
		uint ci = e / (pc.W * pc.H) % pc.Cin, b = e / (pc.W * pc.H * pc.Cin);
		uint ty0 = iy + pc.pad, tx0 = ix + pc.pad; // oy·stride + ky, ox·stride + kx
		float acc = 0.0;
		for (uint co = 0; co < pc.Cout; co++) {
			for (uint ky = ty0 % pc.stride; ky < pc.KH && ky <= ty0; ky += pc.stride) {
				uint oy = (ty0 - ky) / pc.stride;
				if (oy >= pc.OH)
					continue;
				for (uint kx = tx0 % pc.stride; kx < pc.KW && kx <= tx0; kx += pc.stride) {
					uint ox = (tx0 - kx) / pc.stride;
					if (ox >= pc.OW)
						continue;
					acc += dout[outIndex(b, co, oy, ox)] * w[wIndex(co, ci, ky, kx)];
				}
			}
		}
		dx[e] = acc;
	}
}
