#version 450
// upsample2x.comp — nearest-neighbour 2× upsampling and its gradient.
//
// CPU reference: tensor.Upsample2xRef and tensor.Upsample2xBackwardRef
// (tensor/upsample.go). Launcher: vk/upsample2x.go.
//
// The small side is [nBC, h, w] (x, dx), the large side [nBC, 2h, 2w] (out,
// dout). Row r of the small side (plane p, row i: r = p·h + i) is rows 2r
// and 2r+1 of the large side, because plane p's large row 2i + di sits at
// p·2h + 2i + di = 2r + di.
//
//	PASS 0: out[t, j] = x[⌊t/2⌋, ⌊j/2⌋]       one invocation per element of out
//	PASS 1: dx[r, j]  = dout[2r, 2j] + dout[2r, 2j+1]
//	                  + dout[2r+1, 2j] + dout[2r+1, 2j+1]
//	                                           one invocation per element of dx
//
// Each invocation writes one element, so neighbouring invocations write
// neighbouring addresses.
//
// Bindings: 0 the output (out or dx), 1 the input (x or dout).
// Push constants: Upsample2xPush { nBC, h, w }.
// Specialization: 0 PASS (uint) = 0 or 1, as above.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over the
// elements of the output.

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint PASS = 0;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float in_[]; };

layout(push_constant) uniform Upsample2xPush {
	uint nBC;
	uint h;
	uint w;
} pc;

void main() {
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	uint w = pc.w, w2 = 2 * pc.w;
	if (PASS == 0) {
		uint n = pc.nBC * 4 * pc.h * w;
		for (uint o = gl_GlobalInvocationID.x; o < n; o += stride) {
			uint t = o / w2, j = o % w2;
			out_[o] = in_[(t / 2) * w + j / 2];
		}
	} else {
		uint n = pc.nBC * pc.h * w;
		for (uint q = gl_GlobalInvocationID.x; q < n; q += stride) {
			uint r = q / w, j = q % w;
			uint top = 2 * r * w2 + 2 * j, bot = top + w2;
			out_[q] = in_[top] + in_[top + 1] + in_[bot] + in_[bot + 1];
		}
	}
}
