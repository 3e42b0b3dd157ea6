//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// scatterAddPush mirrors ScatterAddPush in shaders/scatter_add.comp.
type scatterAddPush struct{ n, d uint32 }

// ScatterAdd records table[idx[i],:] += src[i,:] (scatter_add.comp;
// reference tensor.ScatterAddRef): one invocation per column, walking the
// indices in order, so the result is deterministic without atomics.
func (dev *Device) ScatterAdd(table, idx, src tensor.Buffer, n, d int) {
	if n == 0 {
		return
	}
	dispatch(dev, "scatter_add", nil, &scatterAddPush{n: u32(n), d: u32(d)}, grid1D(d, 256), float64(n*d), table, idx, src)
}
