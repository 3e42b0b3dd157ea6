//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// upsample2xPush mirrors Upsample2xPush in shaders/upsample2x.comp.
type upsample2xPush struct {
	nBC, h, w uint32
}

// Upsample2x records nearest-neighbour 2× upsampling (upsample2x.comp, pass
// 0; reference tensor.Upsample2xRef): one invocation per output element.
func (d *Device) Upsample2x(out, x tensor.Buffer, nBC, h, w int) {
	push := upsample2xPush{nBC: u32(nBC), h: u32(h), w: u32(w)}
	dispatch(d, "upsample2x", []uint32{0}, &push, grid1D(nBC*4*h*w, 256), 0, out, x)
}

// Upsample2xBackward records its gradient, the sum of each 2×2 block
// (upsample2x.comp, pass 1; reference tensor.Upsample2xBackwardRef): one
// invocation per element of dx.
func (d *Device) Upsample2xBackward(dx, dout tensor.Buffer, nBC, h, w int) {
	push := upsample2xPush{nBC: u32(nBC), h: u32(h), w: u32(w)}
	dispatch(d, "upsample2x", []uint32{1}, &push, grid1D(nBC*h*w, 256), 3*float64(nBC*h*w), dx, dout)
}
