//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// binaryPush mirrors BinaryPush in shaders/binary.comp.
type binaryPush struct{ outer, mid, inner uint32 }

// Binary records out = a ∘ b, b broadcast over the middle axis (binary.comp;
// reference tensor.BinaryRef). The op is the shader's specialization
// constant.
func (d *Device) Binary(op tensor.BinaryOp, out, a, b tensor.Buffer, outer, mid, inner int) {
	push := binaryPush{outer: u32(outer), mid: u32(mid), inner: u32(inner)}
	dispatch(d, "binary", []uint32{uint32(op)}, &push, grid1D(outer*mid*inner, 256), float64(outer*mid*inner), out, a, b)
}

func u32(n int) uint32 { return uint32(n) }
