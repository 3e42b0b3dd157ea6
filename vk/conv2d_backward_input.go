//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// Conv2DBackwardInput records dx, the gradient of Conv2D with respect to x
// (conv2d_backward_input.comp; reference tensor.Conv2DBackwardInputRef):
// one invocation gathers each dx element.
func (d *Device) Conv2DBackwardInput(dx, dout, w tensor.Buffer, a tensor.Conv2DArgs) {
	push := newConv2DPush(a)
	dispatch(d, "conv2d_backward_input", nil, &push, grid1D(a.B*a.Cin*a.H*a.W, 256), 2*float64(a.MACs()), dx, dout, w)
}
