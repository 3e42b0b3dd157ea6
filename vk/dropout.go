//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// dropoutPush mirrors DropoutPush in shaders/dropout.comp.
type dropoutPush struct {
	n                  uint32
	seedLo, seedHi     uint32
	offsetLo, offsetHi uint32
	threshold          uint32
	scale              float32
}

// Dropout records dropout with a mask from the Philox stream (dropout.comp;
// reference tensor.DropoutRef): one invocation per element.
func (d *Device) Dropout(out, x tensor.Buffer, n int, args tensor.DropoutArgs) {
	threshold, scale := tensor.DropoutThreshold(args.P)
	push := dropoutPush{
		n:      u32(n),
		seedLo: uint32(args.Seed), seedHi: uint32(args.Seed >> 32),
		offsetLo: uint32(args.Offset), offsetHi: uint32(args.Offset >> 32),
		threshold: threshold, scale: scale,
	}
	dispatch(d, "dropout", nil, &push, grid1D(n, 256), float64(n), out, x)
}
