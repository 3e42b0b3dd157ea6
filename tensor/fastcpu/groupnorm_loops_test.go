package fastcpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGroupNormLoopsSameBits checks each instruction set's vector loops of
// GroupNorm (instructionSet.groupNorm) against the Go loops they replace,
// bit for bit: the block sums of groupMoments and channelSums at lengths
// around the block and the lanes, and the two row loops at lengths around
// the vector. Values span many magnitudes, so that a changed order of the
// adds would show.
func TestGroupNormLoopsSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tested := 0
	for _, set := range instructionSets() {
		loops := set.groupNorm
		if loops == nil {
			continue
		}
		tested++
		for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 127, 128, 129, 255, 256, 257, 1000, 4096, 4097} {
			x, g := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i] = float32(3 + r.NormFloat64()*math.Exp(3*r.NormFloat64()))
				g[i] = float32(r.NormFloat64() * math.Exp(2*r.NormFloat64()))
			}
			mu0, rs0 := groupMoments(x, 1e-5, nil)
			mu1, rs1 := groupMoments(x, 1e-5, loops)
			if math.Float32bits(mu0) != math.Float32bits(mu1) || math.Float32bits(rs0) != math.Float32bits(rs1) {
				t.Errorf("%s, n=%d: groupMoments (%v, %v), the Go loop's (%v, %v)", set.name, n, mu1, rs1, mu0, rs0)
			}
			a0, q0 := channelSums(g, x, mu0, nil)
			a1, q1 := channelSums(g, x, mu0, loops)
			if math.Float64bits(a0) != math.Float64bits(a1) || math.Float64bits(q0) != math.Float64bits(q1) {
				t.Errorf("%s, n=%d: channelSums (%v, %v), the Go loop's (%v, %v)", set.name, n, a1, q1, a0, q0)
			}
			const mu, m, add, slope, offset = 2.5, -1.75, 0.3125, 0.0625, -0.2
			v := n / loops.lanes * loops.lanes
			out := make([]float32, n+1) // one more, which the loop must not write
			out[v] = 42
			loops.norm(out[:v], x[:v], mu, m, add)
			for i := range v {
				if want := float32((x[i]-mu)*m) + add; math.Float32bits(out[i]) != math.Float32bits(want) {
					t.Fatalf("%s, n=%d: norm[%d] = %v, the Go loop's %v", set.name, n, i, out[i], want)
				}
			}
			loops.normGrad(out[:v], g[:v], x[:v], mu, m, slope, offset)
			for i := range v {
				if want := float32(m*g[i]) - float32(slope*(x[i]-mu)) - offset; math.Float32bits(out[i]) != math.Float32bits(want) {
					t.Fatalf("%s, n=%d: normGrad[%d] = %v, the Go loop's %v", set.name, n, i, out[i], want)
				}
			}
			if out[v] != 42 {
				t.Fatalf("%s, n=%d: a row loop wrote past its %d values", set.name, n, v)
			}
		}
	}
	if tested == 0 {
		t.Skip("no instruction set of this CPU has GroupNorm vector loops: the Go loops run everywhere")
	}
}
