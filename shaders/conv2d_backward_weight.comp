#version 450
// conv2d_backward_weight.comp — dw, the gradient of conv2d.comp with
// respect to its weight, added to dw when accumulate is 1.
//
// CPU reference: tensor.Conv2DBackwardWeightRef (tensor/conv.go).
// Launcher: vk/conv2d_backward_weight.go.
//
// dout is [B, Cout, OH, OW], x [B, Cin, H, W], dw [Cout, Cin, KH, KW]. A
// weight meets one input pixel per output pixel:
//
//	dw[co,ci,ky,kx] = (accumulate ? dw[co,ci,ky,kx] : 0)
//	                  + Σ_{b,oy,ox} dout[b,co,oy,ox] · x[b, ci, oy·stride+ky−pad, ox·stride+kx−pad]
//
// with x zero in the padding. The sum runs over every output pixel of the
// batch — tens of thousands of terms — while there are only
// Cout·Cin·KH·KW weights, so one invocation per weight would leave a GPU
// idle and run past lavapipe's loop budget. Instead one workgroup owns one
// weight, as sum.comp owns one sum: its 256 invocations each add every
// 256th output pixel (b, oy, ox) into a partial sum, and a tree halves the
// partial sums in shared memory; invocation 0 writes the weight, so every
// element of dw is written by exactly one invocation. The order differs
// from the reference's, so the two agree to rounding.
//
// Barriers: the loop over weights steps by workgroup, so every invocation
// of a workgroup takes the same trips and reaches each barrier(); the
// barrier at the end of a trip keeps the next trip from overwriting
// partial[] before invocation 0 has read the total.
//
// Bindings: 0 dw, 1 dout, 2 x.
// Push constants: Conv2DPush (conv2d.glsl) { B, Cin, H, W, Cout, KH, KW,
// stride, pad, OH, OW, hasBias, accumulate }; this shader reads accumulate.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, one workgroup per weight,
// grid-stride over Cout·Cin·KH·KW by workgroup (min(that, 65535)
// workgroups).

#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer DW { float dw[]; };
layout(std430, set = 0, binding = 1) readonly buffer DOut { float dout[]; };
layout(std430, set = 0, binding = 2) readonly buffer X { float x[]; };

#include "conv2d.glsl" // Conv2DPush pc, xIndex, wIndex, outIndex

// The tree below needs a power-of-two workgroup size.
shared float partial[gl_WorkGroupSize.x];

void main() {
	uint lid = gl_LocalInvocationID.x;
	uint pixels = pc.B * pc.OH * pc.OW;
	for (uint e = gl_WorkGroupID.x; e < pc.Cout * pc.Cin * pc.KH * pc.KW; e += gl_NumWorkGroups.x) {
		uint kx = e % pc.KW, ky = e / pc.KW % pc.KH;
		uint ci = e / (pc.KW * pc.KH) % pc.Cin, co = e / (pc.KW * pc.KH * pc.Cin);
		float acc = 0.0;
		for (uint p = lid; p < pixels; p += gl_WorkGroupSize.x) {
			uint ox = p % pc.OW, oy = p / pc.OW % pc.OH, b = p / (pc.OW * pc.OH);
			int iy = int(oy * pc.stride + ky) - int(pc.pad), ix = int(ox * pc.stride + kx) - int(pc.pad);
			if (iy >= 0 && iy < int(pc.H) && ix >= 0 && ix < int(pc.W))
				acc += dout[outIndex(b, co, oy, ox)] * x[xIndex(b, ci, iy, ix)];
		}
		partial[lid] = acc;
		barrier();
		// Each pass folds the upper half of the live partial sums onto the
		// lower half.
		for (uint span = gl_WorkGroupSize.x / 2; span > 0; span /= 2) {
			if (lid < span)
				partial[lid] += partial[lid + span];
			barrier();
		}
		if (lid == 0)
			dw[e] = pc.accumulate != 0 ? dw[e] + partial[0] : partial[0];
		barrier(); // invocation 0 has read partial[0] before the next trip writes it
	}
}
