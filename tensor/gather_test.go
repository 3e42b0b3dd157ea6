package tensor_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Rows of an embedding table, picked by index, repeats allowed.
func TestGather(t *testing.T) {
	dev := tensor.NewCPU()
	table := tensor.FromSlice(dev, []float32{0, 1, 10, 11, 20, 21, 30, 31}, 4, 2) // row r = [10r, 10r+1]
	idx := tensor.FromInt32(dev, []int32{3, 0, 3, 1}, 4)
	wantTensor(t, "Gather", tensor.Gather(table, idx), []int{4, 2}, []float64{30, 31, 0, 1, 30, 31, 10, 11}, 0)
}

// ScatterAdd adds each src row into the table row its index names; a row
// named three times receives all three, a row never named is unchanged.
func TestScatterAdd(t *testing.T) {
	dev := tensor.NewCPU()
	table := tensor.FromSlice(dev, []float32{100, 200, 0, 0, -1, -2}, 3, 2)
	idx := tensor.FromInt32(dev, []int32{2, 0, 2, 2}, 4)
	src := tensor.FromSlice(dev, []float32{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2)
	tensor.ScatterAdd(table, idx, src)
	// row 0: [100+3, 200+4]; row 1 untouched; row 2: [-1+1+5+7, -2+2+6+8]
	wantTensor(t, "ScatterAdd", table, []int{3, 2}, []float64{103, 204, 0, 0, 12, 14}, 0)
	if got, err := idx.Int32s(); err != nil || got[0] != 2 || got[3] != 2 {
		t.Errorf("idx changed to %v (%v)", got, err)
	}
}

// A table of R rows of width D = 0 still has R rows: index 1 of a [3, 0]
// table is valid and picks an empty row, so the result is [2, 0]. (A panic
// here is turned into a test failure so that the other tests still run.)
func TestGatherZeroWidthRows(t *testing.T) {
	dev := tensor.NewCPU()
	table := tensor.Zeros(dev, 3, 0)
	idx := tensor.FromInt32(dev, []int32{1, 2}, 2)
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Gather/ScatterAdd on a [3, 0] table with indices [1 2] panicked: %v", r)
		}
	}()
	wantTensor(t, "Gather from [3, 0]", tensor.Gather(table, idx), []int{2, 0}, nil, 0)
	tensor.ScatterAdd(table, idx, tensor.Zeros(dev, 2, 0))
	wantTensor(t, "ScatterAdd into [3, 0]", table, []int{3, 0}, nil, 0)
}
