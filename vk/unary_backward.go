//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// unaryBackwardPush mirrors UnaryBackwardPush in shaders/unary_backward.comp.
type unaryBackwardPush struct{ n uint32 }

// UnaryBackward records dx = dy·f'(x) (unary_backward.comp; reference
// tensor.UnaryBackwardRef).
func (d *Device) UnaryBackward(op tensor.UnaryOp, dx, dy, x, y tensor.Buffer, n int) {
	dispatch(d, "unary_backward", []uint32{uint32(op)}, &unaryBackwardPush{n: u32(n)}, grid1D(n, 256), 2*float64(n), dx, dy, x, y)
}
