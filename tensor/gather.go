package tensor

import "fmt"

// Gather returns the rows of table picked by idx: the lookup of an
// embedding table.
//
//	table: [R, D]
//	idx:   [N] int32, each in [0, R)
//	out:   [N, D]
func Gather(table, idx *Tensor) *Tensor {
	dev := mustSameDevice("Gather", table, idx)
	mustGatherShapes("Gather", table, idx)
	out := New(dev, idx.Dim(0), table.Dim(1))
	dev.Gather(out.buf, table.buf, idx.buf, idx.Dim(0), table.Dim(1))
	return out
}

// ScatterAdd adds the rows of src into table at the rows idx names; rows
// named twice receive both. It is the gradient of Gather.
//
//	table: [R, D]    (updated in place)
//	idx:   [N] int32
//	src:   [N, D]
func ScatterAdd(table, idx, src *Tensor) {
	dev := mustSameDevice("ScatterAdd", table, idx, src)
	mustGatherShapes("ScatterAdd", table, idx)
	mustFloat("ScatterAdd", src)
	if !sameDims(src.shape, idx.Dim(0), table.Dim(1)) {
		panic(fmt.Sprintf("tensor.ScatterAdd: src %v, want [%d, %d] for table %v and idx %v", src.shape, idx.Dim(0), table.Dim(1), table.shape, idx.shape))
	}
	dev.ScatterAdd(table.buf, idx.buf, src.buf, idx.Dim(0), table.Dim(1))
}

func mustGatherShapes(op string, table, idx *Tensor) {
	if table.Rank() != 2 || table.dtype == Int32 || idx.Rank() != 1 || idx.dtype != Int32 {
		panic(fmt.Sprintf("tensor.%s: table %v (%v), idx %v (%v): want a float [R, D] table and int32 [N] indices", op, table.shape, table.dtype, idx.shape, idx.dtype))
	}
}

// GatherRef computes, for i < n, d < D:
//
//	out[i,d] = table[idx[i],d]
//
// Indices are checked: a bad one is a bug in the caller (labels are checked
// when data is loaded), so it panics here; GPU kernels cannot.
func GatherRef[F Float](out, table []F, idx []int32, n, dim int) {
	if dim == 0 {
		return // rows of width zero: nothing to copy
	}
	rows := len(table) / dim
	for i := range n {
		r := int(idx[i])
		if r < 0 || r >= rows {
			panic(fmt.Sprintf("tensor.Gather: index %d out of range [0, %d)", r, rows))
		}
		copy(out[i*dim:(i+1)*dim], table[r*dim:(r+1)*dim])
	}
}

// ScatterAddRef computes, for i = 0, 1, …, n-1 in order, and d < D:
//
//	table[idx[i],d] += src[i,d]
func ScatterAddRef[F Float](table []F, idx []int32, src []F, n, dim int) {
	if dim == 0 {
		return
	}
	rows := len(table) / dim
	for i := range n {
		r := int(idx[i])
		if r < 0 || r >= rows {
			panic(fmt.Sprintf("tensor.ScatterAdd: index %d out of range [0, %d)", r, rows))
		}
		for d := range dim {
			table[r*dim+d] += src[i*dim+d]
		}
	}
}
