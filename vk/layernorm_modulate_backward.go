//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// layerNormModulateBackwardPush mirrors LayerNormModulateBackwardPush in
// shaders/layernorm_modulate_backward.comp.
type layerNormModulateBackwardPush struct {
	nB, nT, nD uint32
	hasScale   uint32
}

// LayerNormModulateBackward records the gradients of LayerNormModulate
// (layernorm_modulate_backward.comp; reference
// tensor.LayerNormModulateBackwardRef): pass 0 computes dx with one
// workgroup per row; pass 1, only when the modulation gradients are wanted,
// sums dshift and dscale over the tokens with one invocation per (b, d).
func (d *Device) LayerNormModulateBackward(dx, dshift, dscale, dout, x, scale, mean, rstd tensor.Buffer, nB, nT, nD int) {
	push := layerNormModulateBackwardPush{nB: u32(nB), nT: u32(nT), nD: u32(nD), hasScale: b2u(scale != nil)}
	bufs := []tensor.Buffer{dx, dshift, dscale, dout, x, scale, mean, rstd}
	dispatch(d, "layernorm_modulate_backward", []uint32{0}, &push, grid1D(nB*nT, 1), 10*float64(nB*nT*nD), bufs...)
	if dshift != nil && dscale != nil { // pass 1 writes both
		dispatch(d, "layernorm_modulate_backward", []uint32{1}, &push, grid1D(nB*nD, 256), 2*float64(nB*nT*nD), bufs...)
	}
}
