//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// conv2dPush mirrors Conv2DPush in shaders/conv2d.glsl, the block that the
// three convolution shaders share.
type conv2dPush struct {
	B, Cin, H, W uint32
	Cout, KH, KW uint32
	stride, pad  uint32
	OH, OW       uint32
	hasBias      uint32 // conv2d.comp
	accumulate   uint32 // conv2d_backward_weight.comp
}

func newConv2DPush(a tensor.Conv2DArgs) conv2dPush {
	return conv2dPush{
		B: u32(a.B), Cin: u32(a.Cin), H: u32(a.H), W: u32(a.W),
		Cout: u32(a.Cout), KH: u32(a.KH), KW: u32(a.KW),
		stride: u32(a.Stride), pad: u32(a.Pad), OH: u32(a.OH()), OW: u32(a.OW()),
	}
}

// Conv2D records out = x ⋆ w (+ bias) (conv2d.comp; reference
// tensor.Conv2DRef): one invocation per output element.
func (d *Device) Conv2D(out, x, w, bias tensor.Buffer, a tensor.Conv2DArgs) {
	push := newConv2DPush(a)
	push.hasBias = b2u(bias != nil)
	dispatch(d, "conv2d", nil, &push, grid1D(a.B*a.Cout*a.OH()*a.OW(), 256), 2*float64(a.MACs()), out, x, w, bias)
}
