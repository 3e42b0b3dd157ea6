//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// groupNormBackwardPush mirrors GroupNormBackwardPush in
// shaders/group_norm_backward.comp.
type groupNormBackwardPush struct {
	nB, nC, nHW, nGroups   uint32
	hasShift, hasScale     uint32
	writeShift, writeScale uint32
	silu                   uint32
}

// GroupNormBackward records the gradients of GroupNorm
// (group_norm_backward.comp; reference tensor.GroupNormBackwardRef) as two
// passes of one shader, chosen by its PASS constant:
//
//	0  dx, and the sums S1 = Σ dout, S2 = Σ dout·x̂    one workgroup per (sample, group)
//	   of every (sample, channel) into a scratch buffer
//	1  dgamma and dbeta (sums over the samples),      one invocation per channel
//	   dshift and dscale, from the scratch
//
// With a.SiLU, dout is the gradient of the SiLU's output, and pass 0 first
// turns each dout into dh = dout·SiLU'(h), with the SiLU's input h
// recomputed from x, mean, rstd, gamma, beta, scale and shift as the forward
// computed it; every gradient then comes from dh as it does from dout
// without SiLU. shift may be nil (none), and is read only with a.SiLU.
//
// The scratch holds 2·B·C floats and is freed as soon as the two passes are
// recorded. dx, dgamma and dbeta are required; dshift and dscale may be nil.
func (d *Device) GroupNormBackward(dx, dgamma, dbeta, dshift, dscale, dout, x, gamma, beta, shift, scale, mean, rstd tensor.Buffer, a tensor.GroupNormArgs) {
	push := groupNormBackwardPush{nB: u32(a.B), nC: u32(a.C), nHW: u32(a.HW), nGroups: u32(a.Groups),
		hasShift: b2u(a.SiLU && shift != nil), hasScale: b2u(scale != nil),
		writeShift: b2u(dshift != nil), writeScale: b2u(dscale != nil), silu: b2u(a.SiLU)}
	sums := d.Alloc(tensor.Float32, 2*a.B*a.C) // scratch: (S1, S2) of every (b, c)
	bufs := []tensor.Buffer{dx, dgamma, dbeta, dshift, dscale, dout, x, gamma, beta, scale, mean, rstd, sums, shift}
	dispatch(d, "group_norm_backward", []uint32{0}, &push, grid1D(a.B*a.Groups, 1), 10*float64(a.B*a.C*a.HW), bufs...)
	dispatch(d, "group_norm_backward", []uint32{1}, &push, grid1D(a.C, 256), 2*float64(a.B*a.C), bufs...)
	d.Free(sums) // safe: its range is reused only after these have run
}
