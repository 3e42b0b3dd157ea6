//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// randNormalPush mirrors RandNormalPush in shaders/rand_normal.comp: the
// 64-bit seed and offset travel as 32-bit halves.
type randNormalPush struct {
	n                  uint32
	seedLo, seedHi     uint32
	offsetLo, offsetHi uint32
}

// RandNormal records standard normals from the Philox stream (rand_normal.comp;
// reference tensor.RandNormalRef).
func (d *Device) RandNormal(out tensor.Buffer, n int, seed, offset uint64) {
	push := randNormalPush{
		n:      u32(n),
		seedLo: uint32(seed), seedHi: uint32(seed >> 32),
		offsetLo: uint32(offset), offsetHi: uint32(offset >> 32),
	}
	dispatch(d, "rand_normal", nil, &push, grid1D(n, 256), 20*float64(n), out)
}
