//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// scalePush mirrors ScalePush in shaders/scale.comp.
type scalePush struct {
	n     uint32
	alpha float32
}

// Scale records out = alpha·x (scale.comp; reference tensor.ScaleRef).
func (d *Device) Scale(out, x tensor.Buffer, alpha float32, n int) {
	dispatch(d, "scale", nil, &scalePush{n: u32(n), alpha: alpha}, grid1D(n, 256), float64(n), out, x)
}
