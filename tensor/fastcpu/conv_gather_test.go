package fastcpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPadRows checks padRows on every instruction set against its
// definition, written out here: each row is lo zeros, n values of src,
// and zeros up to ldd; nothing after the last row is written. The sizes
// go around the assembly's three 16-lane parts and its 48-lane limit.
func TestPadRows(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, set := range instructionSets() {
		for _, ldd := range []int{1, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 70} {
			for _, lo := range []int{0, 1, 2, 17} {
				for _, n := range []int{1, 7, 16, 31, 33, ldd - lo} {
					if lo+n > ldd || n < 1 {
						continue
					}
					const rows = 3
					lds := n + 5
					src := make([]float32, (rows-1)*lds+n)
					for i := range src {
						src[i] = float32(r.NormFloat64())
					}
					dst := make([]float32, rows*ldd+1)
					for i := range dst {
						dst[i] = 42
					}
					padRows(set, dst[:rows*ldd], src, ldd, lds, lo, n)
					for row := range rows {
						for j := range ldd {
							want := float32(0)
							if j >= lo && j < lo+n {
								want = src[row*lds+j-lo]
							}
							if got := dst[row*ldd+j]; math.Float32bits(got) != math.Float32bits(want) {
								t.Fatalf("%s, ldd=%d lo=%d n=%d: row %d lane %d = %v, want %v", set.name, ldd, lo, n, row, j, got, want)
							}
						}
					}
					if dst[rows*ldd] != 42 {
						t.Fatalf("%s, ldd=%d lo=%d n=%d: wrote past the last row", set.name, ldd, lo, n)
					}
				}
			}
		}
	}
}
