//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// sumPush mirrors SumPush in shaders/sum.comp.
type sumPush struct{ outer, mid, inner uint32 }

// Sum records out[o,i] = Σ_m x[o,m,i] (sum.comp; reference tensor.SumRef):
// one workgroup of 256 reduces each output element.
func (d *Device) Sum(out, x tensor.Buffer, outer, mid, inner int) {
	push := sumPush{outer: u32(outer), mid: u32(mid), inner: u32(inner)}
	dispatch(d, "sum", nil, &push, grid1D(outer*inner, 1), float64(outer*mid*inner), out, x)
}
