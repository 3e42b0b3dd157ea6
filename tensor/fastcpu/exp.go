package fastcpu

import "math"

// exp32 is eˣ in float32, to about one unit in the last place, without
// leaving float32: e^x = 2^k·e^r with k = round(x/ln 2) and |r| ≤ ln2/2,
// e^r from the minimax polynomial of Cephes' expf, and 2^k put straight
// into the exponent bits. x must lie in [−87.3, 88], where the result is a
// normal float32; expClamp puts it there (small enough to inline, like
// exp32 itself, which matters: it runs once per activation). exp_amd64.h
// is the same arithmetic on 16 lanes, for the vector GELU and softmax.
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375 // ln 2 split in two, so k·ln2hi is exact
		ln2lo = -2.12194440e-4
	)
	// k = round(x·log₂e): shift to positive before truncating.
	ki := int32(x*log2e+127.5) - 127
	r := x - float32(ki)*ln2hi - float32(ki)*ln2lo
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	return (p*r*r + r + 1) * math.Float32frombits(uint32(ki+127)<<23)
}

// expClamp limits x to [−87.3, 80]: inside the domain of exp32, and low
// enough that the logistic 1/(1 + eˣ) of GELU and SiLU stays a normal
// float32 (subnormals are slow on some CPUs and keep fewer digits).
func expClamp(x float32) float32 { return min(max(x, -87.3), 80) }
