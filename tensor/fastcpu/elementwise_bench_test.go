package fastcpu_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// BenchmarkFill reports the GB/s written by a zero Fill of DiT-S's
// parameter count (33M floats, what ZeroGrad clears before every step) on
// the fast device and on the reference one, whose loop stores a float at a
// time.
func BenchmarkFill(b *testing.B) {
	const n = 32_950_000
	for _, dev := range []tensor.Device{fastcpu.New(), tensor.NewCPU()} {
		b.Run(deviceLabel(dev), func(b *testing.B) {
			x := tensor.Full(dev, 1, n)
			defer x.Release()
			b.SetBytes(4 * n)
			for b.Loop() {
				tensor.Fill(x, 0)
			}
		})
	}
}
