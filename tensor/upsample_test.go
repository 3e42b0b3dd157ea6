package tensor_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Each value of a 2×3 plane becomes a 2×2 block of the 4×6 output, by hand.
func TestUpsample2x(t *testing.T) {
	for _, d := range devices {
		x := arange(d.dev, 1, 1, 2, 3) // [[0 1 2] [3 4 5]]
		wantTensor(t, d.name+" out", tensor.Upsample2x(x), []int{1, 1, 4, 6}, []float64{
			0, 0, 1, 1, 2, 2,
			0, 0, 1, 1, 2, 2,
			3, 3, 4, 4, 5, 5,
			3, 3, 4, 4, 5, 5,
		}, 0)
		// Two 1×1 planes, 0 and 1: each fills a 2×2 block.
		wantTensor(t, d.name+" planes", tensor.Upsample2x(arange(d.dev, 2, 1, 1)), []int{2, 2, 2}, []float64{
			0, 0, 0, 0,
			1, 1, 1, 1,
		}, 0)
	}
}

// The gradient sums each 2×2 block: for dout = 0, 1, …, 23 as a 4×6 plane,
// block (i, j) holds 12i + 2j + {0, 1, 6, 7}, which sum to 48i + 8j + 14.
func TestUpsample2xBackward(t *testing.T) {
	for _, d := range devices {
		dx := tensor.Upsample2xBackward(arange(d.dev, 1, 1, 4, 6))
		wantTensor(t, d.name+" dx", dx, []int{1, 1, 2, 3}, []float64{14, 22, 30, 62, 70, 78}, 0)
	}
}
