//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// gatherPush mirrors GatherPush in shaders/gather.comp.
type gatherPush struct{ n, d uint32 }

// Gather records out[i,:] = table[idx[i],:] (gather.comp; reference
// tensor.GatherRef).
func (dev *Device) Gather(out, table, idx tensor.Buffer, n, d int) {
	dispatch(dev, "gather", nil, &gatherPush{n: u32(n), d: u32(d)}, grid1D(n*d, 256), 0, out, table, idx)
}
