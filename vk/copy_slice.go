//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// copySlicePush mirrors CopySlicePush in shaders/copy_slice.comp.
type copySlicePush struct {
	outer, inner, n uint32
	srcLen, srcOff  uint32
	dstLen, dstOff  uint32
}

// CopySlice records a block copy along one axis (copy_slice.comp; reference
// tensor.CopySliceRef).
func (d *Device) CopySlice(dst, src tensor.Buffer, a tensor.CopySliceArgs) {
	push := copySlicePush{
		outer: u32(a.Outer), inner: u32(a.Inner), n: u32(a.N),
		srcLen: u32(a.SrcLen), srcOff: u32(a.SrcOff), dstLen: u32(a.DstLen), dstOff: u32(a.DstOff),
	}
	dispatch(d, "copy_slice", nil, &push, grid1D(a.Outer*a.N*a.Inner, 256), 0, dst, src)
}
