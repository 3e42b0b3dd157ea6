package tensor_test

import (
	"fmt"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Sums of the 2×3×4 arange tensor x[i,j,k] = 12i + 4j + k (values 0…23),
// each worked out by hand from that formula.
func TestSum(t *testing.T) {
	dev := tensor.NewCPU()
	x := arange(dev, 2, 3, 4)
	cases := []struct {
		axes  []int
		shape []int
		want  []float64
	}{
		// Σ_i = (4j+k) + (12+4j+k) = 12 + 8j + 2k
		{[]int{0}, []int{3, 4}, []float64{12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}},
		// Σ_j = 36i + 12 + 3k
		{[]int{1}, []int{2, 4}, []float64{12, 15, 18, 21, 48, 51, 54, 57}},
		// Σ_k = 48i + 16j + 6
		{[]int{2}, []int{2, 3}, []float64{6, 22, 38, 54, 70, 86}},
		{[]int{-1}, []int{2, 3}, []float64{6, 22, 38, 54, 70, 86}},
		// Σ_{i,j} = 6k + 12·3 + 4·(0+1+2)·2 = 60 + 6k
		{[]int{0, 1}, []int{4}, []float64{60, 66, 72, 78}},
		// Σ_{j,k} = 144i + 4·4·3 + 3·6 = 144i + 66, axes in either order
		{[]int{2, 1}, []int{2}, []float64{66, 210}},
		// Σ over everything = 23·24/2 = 276, as a shape-[] tensor
		{[]int{0, 1, 2}, []int{}, []float64{276}},
	}
	for _, c := range cases {
		wantTensor(t, fmt.Sprint("Sum", c.axes), tensor.Sum(x, c.axes...), c.shape, c.want, 0)
	}
}

func TestSumAll(t *testing.T) {
	dev := tensor.NewCPU()
	s := tensor.SumAll(arange(dev, 2, 3, 4))
	wantTensor(t, "SumAll", s, []int{}, []float64{276}, 0) // 0+1+…+23 = 23·24/2
	if v, err := s.Item(); err != nil || v != 276 {
		t.Errorf("Item() = %v, %v; want 276, nil", v, err)
	}
}

// SumTo undoes each broadcast of Binary: the sum over the repeated axes.
// x is the 2×3×4 arange tensor again, x[i,j,k] = 12i + 4j + k.
func TestSumTo(t *testing.T) {
	dev := tensor.NewCPU()
	x := arange(dev, 2, 3, 4)
	cases := []struct {
		shape []int
		want  []float64
	}{
		{[]int{4}, []float64{60, 66, 72, 78}},                                    // bias [D]: Σ_{i,j}, as in TestSum
		{[]int{1, 4}, []float64{60, 66, 72, 78}},                                 // [1, D] the same
		{[]int{2, 1, 4}, []float64{12, 15, 18, 21, 48, 51, 54, 57}},              // per sample [B, 1, D]: Σ_j
		{[]int{3, 4}, []float64{12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}}, // table [T, D]: Σ_i
		{[]int{2, 3, 1}, []float64{6, 22, 38, 54, 70, 86}},                       // [B, T, 1]: Σ_k
		{[]int{}, []float64{276}},                                                // scalar: everything
		{[]int{2, 3, 4}, ints(24)},                                               // no broadcast: a copy
	}
	for _, c := range cases {
		wantTensor(t, fmt.Sprint("SumTo", c.shape), tensor.SumTo(x, c.shape...), c.shape, c.want, 0)
	}
}
