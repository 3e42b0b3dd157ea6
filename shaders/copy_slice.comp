#version 450
// copy_slice.comp — copies a block of rows along one axis, the step that
// Concat and Split are made of.
//
// CPU reference: tensor.CopySliceRef (tensor/slice.go). Launcher:
// vk/copy_slice.go.
//
// src is viewed as [outer, srcLen, inner] and dst as [outer, dstLen, inner]:
//
//	dst[o, dstOff+j, i] = src[o, srcOff+j, i]   o < outer, j < n, i < inner
//
// Elements of dst outside the copied block are left as they are.
//
// Bindings: 0 dst, 1 src.
// Push constants: CopySlicePush { outer, inner, n, srcLen, srcOff, dstLen,
// dstOff }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over outer·n·inner.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Dst { float dst[]; };
layout(std430, set = 0, binding = 1) readonly buffer Src { float src[]; };

layout(push_constant) uniform CopySlicePush {
	uint outer;
	uint inner;
	uint n;
	uint srcLen;
	uint srcOff;
	uint dstLen;
	uint dstOff;
} pc;

void main() {
	uint total = pc.outer * pc.n * pc.inner;
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint e = gl_GlobalInvocationID.x; e < total; e += stride) {
		// e walks the copied block [outer, n, inner] in row-major order.
		uint i = e % pc.inner;
		uint j = (e / pc.inner) % pc.n;
		uint o = e / (pc.inner * pc.n);
		dst[(o * pc.dstLen + pc.dstOff + j) * pc.inner + i] =
			src[(o * pc.srcLen + pc.srcOff + j) * pc.inner + i];
	}
}
