#version 450
// rand_normal.comp — standard normals from the Philox4x32-10 stream (seed,
// offset).
//
// CPU reference: tensor.RandNormalRef and tensor.Philox (tensor/random.go).
// Launcher: vk/rand_normal.go.
//
// out[j] is value p = offset + j of the stream (64-bit, wrapping). Philox on
// the counter (p/4, 0) with the seed as key gives four words r₀..r₃; the
// Box–Muller transform turns (r₀, r₁) into values 0 and 1 of the block and
// (r₂, r₃) into values 2 and 3:
//
//	u₁, u₂ = uniform(r₀), uniform(r₁)
//	value 0 = √(−2 ln u₁)·cos(2π u₂)
//	value 1 = √(−2 ln u₁)·sin(2π u₂)
//
// The words r₀..r₃ equal tensor.Philox's bit for bit (philox.glsl); the
// floating-point part runs in float32 where the reference uses float64.
//
// Bindings: 0 out.
// Push constants: RandNormalPush { n, seedLo, seedHi, offsetLo, offsetHi }.
// Specialization: none.
// Dispatch: 1-D, 256 invocations per workgroup, grid-stride over n.

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { float out_[]; };

layout(push_constant) uniform RandNormalPush {
	uint n;
	uint seedLo;
	uint seedHi;
	uint offsetLo;
	uint offsetHi;
} pc;

#extension GL_GOOGLE_include_directive : require
#include "philox.glsl" // philox, philox_at

// to_unit maps 32 random bits to (0, 1) exactly as tensor's uniform does:
// the top 23 bits k, centred in their interval, (k + 0.5)·2⁻²³. That value
// needs 24 significant bits, which float32 has, so it is exact here too.
float to_unit(uint bits) {
	return (float(bits >> 9) + 0.5) * exp2(-23.0);
}

// log_unit is ln u for u in (0, 1). GLSL's log is only accurate to about
// 2⁻²¹ in absolute terms near 1, where ln u itself is tiny; there the series
// ln(1 − w) = −(w + w²/2 + w³/3 + w⁴/4 + w⁵/5 + …) with w = 1 − u (exact for
// u ≥ ½) is used instead, good to float32 precision for w < 1/16.
float log_unit(float u) {
	float w = 1.0 - u;
	if (w >= 0.0625)
		return log(u);
	return -w * (1.0 + w * (1.0 / 2.0 + w * (1.0 / 3.0 + w * (1.0 / 4.0 + w * (1.0 / 5.0 + w / 6.0)))));
}

void main() {
	uvec2 key = uvec2(pc.seedLo, pc.seedHi);
	uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	for (uint j = gl_GlobalInvocationID.x; j < pc.n; j += stride) {
		uint lane;
		uvec4 r = philox_at(key, pc.offsetLo, pc.offsetHi, j, lane);
		uint pair = lane & 2u;
		float u1 = to_unit(r[pair]);
		float u2 = to_unit(r[pair + 1u]);
		float radius = sqrt(-2.0 * log_unit(u1));
		// Vulkan bounds the error of sin and cos only on [−π, π]: use
		// cos(2πu) = −cos(2π(u − ½)) and sin likewise (u − ½ is exact).
		float angle = 6.283185307179586 * (u2 - 0.5);
		out_[j] = (lane & 1u) == 0u ? -radius * cos(angle) : -radius * sin(angle);
	}
}
