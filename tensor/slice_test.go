package tensor_test

import (
	"fmt"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

func TestConcat(t *testing.T) {
	dev := tensor.NewCPU()
	a := tensor.FromSlice(dev, []float32{1, 2}, 1, 2)
	b := tensor.FromSlice(dev, []float32{3, 4, 5, 6}, 2, 2)
	// Along axis 0 the rows follow each other: [1 2; 3 4; 5 6].
	wantTensor(t, "Concat(0)", tensor.Concat(0, a, b), []int{3, 2}, []float64{1, 2, 3, 4, 5, 6}, 0)

	c := tensor.FromSlice(dev, []float32{1, 2}, 2, 1)
	// Along axis 1 each row is joined: [1 | 3 4; 2 | 5 6].
	wantTensor(t, "Concat(1)", tensor.Concat(1, c, b), []int{2, 3}, []float64{1, 3, 4, 2, 5, 6}, 0)
	wantTensor(t, "Concat(-1)", tensor.Concat(-1, c, b), []int{2, 3}, []float64{1, 3, 4, 2, 5, 6}, 0)

	// Three parts along the middle axis of [2, n, 2]: sample 0's rows, then sample 1's.
	p := arange(dev, 2, 1, 2)                                      // [0 1], [2 3]
	q := tensor.FromSlice(dev, []float32{10, 11, 12, 13}, 2, 1, 2) // [10 11], [12 13]
	wantTensor(t, "Concat(1) of three", tensor.Concat(1, p, q, p), []int{2, 3, 2}, []float64{
		0, 1, 10, 11, 0, 1,
		2, 3, 12, 13, 2, 3,
	}, 0)
}

// x = [0 1 2 3 4 5; 6 7 8 9 10 11] in three along axis 1: column pairs.
func TestChunk(t *testing.T) {
	dev := tensor.NewCPU()
	parts := tensor.Chunk(arange(dev, 2, 6), 3, 1)
	want := [][]float64{{0, 1, 6, 7}, {2, 3, 8, 9}, {4, 5, 10, 11}}
	if len(parts) != 3 {
		t.Fatalf("Chunk into 3 gave %d parts", len(parts))
	}
	for i, p := range parts {
		wantTensor(t, fmt.Sprint("Chunk part ", i), p, []int{2, 2}, want[i], 0)
	}
}

func TestSplit(t *testing.T) {
	dev := tensor.NewCPU()
	// Rows of the [5, 2] arange tensor, in groups of 1, 3 and 1.
	rows := tensor.Split(arange(dev, 5, 2), 0, 1, 3, 1)
	wantTensor(t, "rows 0", rows[0], []int{1, 2}, []float64{0, 1}, 0)
	wantTensor(t, "rows 1-3", rows[1], []int{3, 2}, []float64{2, 3, 4, 5, 6, 7}, 0)
	wantTensor(t, "rows 4", rows[2], []int{1, 2}, []float64{8, 9}, 0)

	// Columns of [0 1 2 3 4 5; 6 7 8 9 10 11] in groups of 1, 2 and 3.
	cols := tensor.Split(arange(dev, 2, 6), -1, 1, 2, 3)
	wantTensor(t, "col 0", cols[0], []int{2, 1}, []float64{0, 6}, 0)
	wantTensor(t, "cols 1-2", cols[1], []int{2, 2}, []float64{1, 2, 7, 8}, 0)
	wantTensor(t, "cols 3-5", cols[2], []int{2, 3}, []float64{3, 4, 5, 9, 10, 11}, 0)
}

// Concat undoes Split along every axis.
func TestConcatSplitRoundTrip(t *testing.T) {
	dev := tensor.NewCPU()
	x := arange(dev, 3, 4, 5)
	for axis, sizes := range [][]int{{2, 1}, {1, 0, 3}, {2, 2, 1}} {
		parts := tensor.Split(x, axis, sizes...)
		wantTensor(t, fmt.Sprint("Concat(Split(x, ", axis, ", ", sizes, "))"), tensor.Concat(axis, parts...), []int{3, 4, 5}, ints(60), 0)
	}
}
