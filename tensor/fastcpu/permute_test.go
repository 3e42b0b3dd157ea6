package fastcpu_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// The fast Permute, on the shapes its own paths take (rows kept whole, and
// the last two axes swapped in tiles, at sizes around the tile of 16 and
// over several cores), copies exactly what the reference does.
func TestPermuteAgainstReference(t *testing.T) {
	cases := []struct {
		shape []int
		perm  []int
	}{
		{[]int{2, 3, 4, 5}, []int{0, 2, 1, 3}},
		{[]int{3, 37, 45}, []int{0, 2, 1}},
		{[]int{16, 16}, []int{1, 0}},
		{[]int{1, 17, 1}, []int{0, 2, 1}},
		{[]int{2, 3, 64, 1024}, []int{0, 1, 3, 2}},
		{[]int{4, 1000, 33}, []int{0, 2, 1}},
		{[]int{2, 5, 7, 3}, []int{0, 2, 3, 1}},
	}
	ref, fast := tensor.NewCPU(), fastcpu.New()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v_%v", c.shape, c.perm), func(t *testing.T) {
			n := 1
			for _, d := range c.shape {
				n *= d
			}
			data := make([]float32, n)
			for i := range data {
				data[i] = float32(i)
			}
			want := tensor.Permute(tensor.FromSlice(ref, data, c.shape...), c.perm...).Data()
			got := tensor.Permute(tensor.FromSlice(fast, data, c.shape...), c.perm...).Data()
			if !slices.Equal(got, want) {
				t.Errorf("differs from the reference")
			}
		})
	}
}
