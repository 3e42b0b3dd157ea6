//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// Conv2DBackwardWeight records dw (+)= the gradient of Conv2D with respect
// to w (conv2d_backward_weight.comp; reference
// tensor.Conv2DBackwardWeightRef): one workgroup of 256 sums each weight's
// gradient over the batch's output pixels.
func (d *Device) Conv2DBackwardWeight(dw, dout, x tensor.Buffer, a tensor.Conv2DArgs, accumulate bool) {
	push := newConv2DPush(a)
	push.accumulate = b2u(accumulate)
	dispatch(d, "conv2d_backward_weight", nil, &push, grid1D(a.Cout*a.Cin*a.KH*a.KW, 1), 2*float64(a.MACs()), dw, dout, x)
}
