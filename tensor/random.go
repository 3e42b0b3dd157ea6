package tensor

import (
	"math"
	"math/bits"
)

// RNG is a position in a Philox stream of standard normals. Seed picks the
// stream and Offset counts the values drawn from it so far; those two
// integers are the whole state, so a checkpoint can store it exactly, and
// every device draws the same numbers for the same state.
type RNG struct {
	Seed, Offset uint64
}

// Normal returns a tensor of standard normals drawn on dev and advances the
// stream. The offset moves in whole Philox blocks of four values, so the
// next call starts on a fresh counter.
func (r *RNG) Normal(dev Device, shape ...int) *Tensor {
	t := New(dev, shape...)
	n := t.Numel()
	dev.RandNormal(t.buf, n, r.Seed, r.Offset)
	r.Offset += uint64(n+3) / 4 * 4
	return t
}

// The Philox4x32-10 constants (Salmon et al., "Parallel random numbers: as
// easy as 1, 2, 3", SC 2011): two round multipliers and the two Weyl
// increments of the key schedule.
const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
)

// Philox is the counter-based generator Philox4x32-10: it maps a 128-bit
// counter and a 64-bit key to four random 32-bit words. Nothing is carried
// from one call to the next, which is why a GPU thread can compute value n
// of the stream without computing the ones before it.
func Philox(ctr [4]uint32, key [2]uint32) [4]uint32 {
	for range 10 {
		hi0, lo0 := bits.Mul32(philoxM0, ctr[0])
		hi1, lo1 := bits.Mul32(philoxM1, ctr[2])
		ctr = [4]uint32{hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0}
		key[0] += philoxW0
		key[1] += philoxW1
	}
	return ctr
}

// uniform maps 32 random bits to (0, 1): the top 23 bits, centred in their
// interval, so the result is never 0 or 1 and log(u) is always finite. With
// 23 bits the value (k + 0.5)·2⁻²³ is exact in float32 too, so a GPU
// computes the same uniforms bit for bit.
func uniform(x uint32) float64 {
	return (float64(x>>9) + 0.5) / (1 << 23)
}

// RandNormalRef computes out[j] for j < len(out) as value n = offset + j of
// the stream: Philox on counter n/4 with the seed as key gives words
// r₀..r₃, and the Box–Muller transform turns the pair (r₀, r₁) into values
// 0 and 1 of the block, (r₂, r₃) into values 2 and 3:
//
//	u₁, u₂ = uniform(r₀), uniform(r₁)
//	value 0 = √(−2 ln u₁)·cos(2π u₂)
//	value 1 = √(−2 ln u₁)·sin(2π u₂)
func RandNormalRef[F Float](out []F, seed, offset uint64) {
	key := [2]uint32{uint32(seed), uint32(seed >> 32)}
	for j := range out {
		n := offset + uint64(j)
		block := n / 4
		r := Philox([4]uint32{uint32(block), uint32(block >> 32), 0, 0}, key)
		lane := n % 4
		u1, u2 := uniform(r[lane&2]), uniform(r[lane&2+1])
		radius := math.Sqrt(-2 * math.Log(u1))
		if lane%2 == 0 {
			out[j] = F(radius * math.Cos(2*math.Pi*u2))
		} else {
			out[j] = F(radius * math.Sin(2*math.Pi*u2))
		}
	}
}
