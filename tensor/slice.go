package tensor

import (
	"fmt"
	"slices"
)

// Concat joins tensors along axis; all other axes must match.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Concat: no tensors")
	}
	dev := mustSameDevice("Concat", ts...)
	mustFloat("Concat", ts...)
	axis = normAxis("Concat", axis, ts[0].shape)
	shape := slices.Clone(ts[0].shape)
	shape[axis] = 0
	for _, t := range ts {
		a, b := slices.Clone(t.shape), slices.Clone(ts[0].shape)
		if len(a) == len(b) {
			a[axis], b[axis] = 0, 0
		}
		if !slices.Equal(a, b) {
			panic(fmt.Sprintf("tensor.Concat: shapes %v and %v differ off axis %d", ts[0].shape, t.shape, axis))
		}
		shape[axis] += t.shape[axis]
	}
	out := New(dev, shape...)
	off := 0
	for _, t := range ts {
		n := t.shape[axis]
		dev.CopySlice(out.buf, t.buf, CopySliceArgs{
			Outer: numel(shape[:axis]), Inner: numel(shape[axis+1:]), N: n,
			SrcLen: n, SrcOff: 0, DstLen: shape[axis], DstOff: off,
		})
		off += n
	}
	return out
}

// Chunk splits x into n equal parts along axis: the adaLN modulation vector
// [B, 6·D] becomes six [B, D] tensors.
func Chunk(x *Tensor, n, axis int) []*Tensor {
	axis = normAxis("Chunk", axis, x.shape)
	if n <= 0 || x.shape[axis]%n != 0 {
		panic(fmt.Sprintf("tensor.Chunk: axis %d of %v does not split into %d equal parts", axis, x.shape, n))
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = x.shape[axis] / n
	}
	return Split(x, axis, sizes...)
}

// Split cuts x along axis into parts of the given sizes, which must add up
// to the size of that axis. It is the inverse of Concat.
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	dev := mustSameDevice("Split", x)
	mustFloat("Split", x)
	axis = normAxis("Split", axis, x.shape)
	total := 0
	for _, s := range sizes {
		if s < 0 {
			total = -1
			break
		}
		total += s
	}
	if total != x.shape[axis] {
		panic(fmt.Sprintf("tensor.Split: sizes %v do not add up to axis %d of %v", sizes, axis, x.shape))
	}
	parts := make([]*Tensor, len(sizes))
	off := 0
	for i, size := range sizes {
		shape := slices.Clone(x.shape)
		shape[axis] = size
		parts[i] = New(dev, shape...)
		dev.CopySlice(parts[i].buf, x.buf, CopySliceArgs{
			Outer: numel(shape[:axis]), Inner: numel(shape[axis+1:]), N: size,
			SrcLen: x.shape[axis], SrcOff: off, DstLen: size, DstOff: 0,
		})
		off += size
	}
	return parts
}

func normAxis(op string, axis int, shape []int) int {
	if axis < 0 {
		axis += len(shape)
	}
	if axis < 0 || axis >= len(shape) {
		panic(fmt.Sprintf("tensor.%s: axis out of range for shape %v", op, shape))
	}
	return axis
}

// CopySliceRef computes, for o < Outer, j < N, i < Inner:
//
//	dst[o, DstOff+j, i] = src[o, SrcOff+j, i]
//
// with src viewed as [Outer, SrcLen, Inner] and dst as [Outer, DstLen, Inner].
//
// For each o the N·Inner elements are contiguous on both sides, so they
// move as one copy.
func CopySliceRef[F Float](dst, src []F, p CopySliceArgs) {
	n := p.N * p.Inner
	for o := range p.Outer {
		d := (o*p.DstLen + p.DstOff) * p.Inner
		s := (o*p.SrcLen + p.SrcOff) * p.Inner
		copy(dst[d:d+n], src[s:s+n])
	}
}
