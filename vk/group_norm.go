//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// groupNormPush mirrors GroupNormPush in shaders/group_norm.comp.
type groupNormPush struct {
	nB, nC, nHW, nGroups uint32
	eps                  float32
	hasShift, hasScale   uint32
	silu                 uint32
}

// GroupNorm records h = (x̂·gamma + beta)·(1+scale)+shift, or SiLU(h) =
// h·σ(h) with a.SiLU (group_norm.comp; reference tensor.GroupNormRef): one
// workgroup of 256 per (sample, group).
func (d *Device) GroupNorm(out, mean, rstd, x, gamma, beta, shift, scale tensor.Buffer, a tensor.GroupNormArgs) {
	push := groupNormPush{nB: u32(a.B), nC: u32(a.C), nHW: u32(a.HW), nGroups: u32(a.Groups), eps: a.Eps,
		hasShift: b2u(shift != nil), hasScale: b2u(scale != nil), silu: b2u(a.SiLU)}
	dispatch(d, "group_norm", nil, &push, grid1D(a.B*a.Groups, 1), 8*float64(a.B*a.C*a.HW), out, mean, rstd, x, gamma, beta, shift, scale)
}
