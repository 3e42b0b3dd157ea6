//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// unaryPush mirrors UnaryPush in shaders/unary.comp.
type unaryPush struct{ n uint32 }

// Unary records out = f(x) (unary.comp; reference tensor.UnaryRef).
func (d *Device) Unary(op tensor.UnaryOp, out, x tensor.Buffer, n int) {
	dispatch(d, "unary", []uint32{uint32(op)}, &unaryPush{n: u32(n)}, grid1D(n, 256), float64(n), out, x)
}
