//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// layerNormModulatePush mirrors LayerNormModulatePush in
// shaders/layernorm_modulate.comp.
type layerNormModulatePush struct {
	nB, nT, nD         uint32
	hasShift, hasScale uint32
}

// LayerNormModulate records LN(x)·(1+scale)+shift (layernorm_modulate.comp;
// reference tensor.LayerNormModulateRef): one workgroup of 256 per row.
func (d *Device) LayerNormModulate(out, mean, rstd, x, shift, scale tensor.Buffer, nB, nT, nD int) {
	push := layerNormModulatePush{nB: u32(nB), nT: u32(nT), nD: u32(nD), hasShift: b2u(shift != nil), hasScale: b2u(scale != nil)}
	dispatch(d, "layernorm_modulate", nil, &push, grid1D(nB*nT, 1), 8*float64(nB*nT*nD), out, mean, rstd, x, shift, scale)
}
