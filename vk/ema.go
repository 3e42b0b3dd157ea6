//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// emaPush mirrors EMAPush in shaders/ema.comp.
type emaPush struct {
	n     uint32
	decay float32
}

// EMA records ema = decay·ema + (1−decay)·param (ema.comp; reference
// tensor.EMARef).
func (d *Device) EMA(ema, param tensor.Buffer, decay float32, n int) {
	dispatch(d, "ema", nil, &emaPush{n: u32(n), decay: decay}, grid1D(n, 256), 3*float64(n), ema, param)
}
