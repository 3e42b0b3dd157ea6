//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// gatedResidualPush mirrors GatedResidualPush in shaders/gated_residual.comp.
type gatedResidualPush struct{ nB, nT, nD uint32 }

// GatedResidual records out = x + gate·y (gated_residual.comp; reference
// tensor.GatedResidualRef).
func (d *Device) GatedResidual(out, x, gate, y tensor.Buffer, nB, nT, nD int) {
	push := gatedResidualPush{nB: u32(nB), nT: u32(nT), nD: u32(nD)}
	dispatch(d, "gated_residual", nil, &push, grid1D(nB*nT*nD, 256), 2*float64(nB*nT*nD), out, x, gate, y)
}
