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
// The 64-bit values (seed, offset, counter) are carried as pairs of uints,
// low word first. The words r₀..r₃ equal tensor.Philox's bit for bit; the
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

// Round multipliers and Weyl key increments (Salmon et al., SC 2011), as in
// tensor/random.go.
const uint M0 = 0xD2511F53u;
const uint M1 = 0xCD9E8D57u;
const uint W0 = 0x9E3779B9u;
const uint W1 = 0xBB67AE85u;

// philox maps a 128-bit counter and a 64-bit key to four random words.
uvec4 philox(uvec4 ctr, uvec2 key) {
	for (int r = 0; r < 10; r++) {
		uint hi0, lo0, hi1, lo1;
		umulExtended(M0, ctr.x, hi0, lo0);
		umulExtended(M1, ctr.z, hi1, lo1);
		ctr = uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
		key += uvec2(W0, W1);
	}
	return ctr;
}

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
		// Stream position p = offset + j, and its block p/4 and lane p%4.
		uint carry;
		uint lo = uaddCarry(pc.offsetLo, j, carry);
		uint hi = pc.offsetHi + carry;
		uvec2 block = uvec2((lo >> 2) | (hi << 30), hi >> 2);
		uint lane = lo & 3u;

		uvec4 r = philox(uvec4(block, 0u, 0u), key);
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
