// philox.glsl — the Philox4x32-10 counter-based generator and the position
// arithmetic of a stream, included by rand_normal.comp and dropout.comp.
// CPU twin: tensor.Philox (tensor/random.go).
//
// A stream (seed, offset) is read at position p = offset + j: the four
// words of Philox on the counter (p/4, 0, 0) with the seed as key, word
// p mod 4. The 64-bit values (seed, offset, counter) are carried as pairs
// of uints, low word first.

// Round multipliers and Weyl key increments (Salmon et al., SC 2011), as in
// tensor/random.go.
const uint PHILOX_M0 = 0xD2511F53u;
const uint PHILOX_M1 = 0xCD9E8D57u;
const uint PHILOX_W0 = 0x9E3779B9u;
const uint PHILOX_W1 = 0xBB67AE85u;

// philox maps a 128-bit counter and a 64-bit key to four random words.
uvec4 philox(uvec4 ctr, uvec2 key) {
	for (int r = 0; r < 10; r++) {
		uint hi0, lo0, hi1, lo1;
		umulExtended(PHILOX_M0, ctr.x, hi0, lo0);
		umulExtended(PHILOX_M1, ctr.z, hi1, lo1);
		ctr = uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
		key += uvec2(PHILOX_W0, PHILOX_W1);
	}
	return ctr;
}

// philox_at returns the words of the block that holds position
// offset + j, and sets lane to the position's word in it.
uvec4 philox_at(uvec2 key, uint offsetLo, uint offsetHi, uint j, out uint lane) {
	uint carry;
	uint lo = uaddCarry(offsetLo, j, carry);
	uint hi = offsetHi + carry;
	uvec2 block = uvec2((lo >> 2) | (hi << 30), hi >> 2);
	lane = lo & 3u;
	return philox(uvec4(block, 0u, 0u), key);
}
