package fastcpu_test

import (
	"fmt"
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

// BenchmarkBinary reports the GB/s (a, b and out) of an elementwise Add
// and Mul on DiT-S/4's activations (32 images × 64 tokens × 384, 3 MiB a
// tensor) and on UNet-B's widest (32 × 64 channels × 32×32, 8 MiB), with
// out written into a tensor of its own, as autograd's Add does.
func BenchmarkBinary(b *testing.B) {
	dev := fastcpu.New()
	for _, n := range []int{32 * 64 * 384, 32 * 64 * 32 * 32} {
		x, y, out := tensor.Full(dev, 1.5, n), tensor.Full(dev, 0.25, n), tensor.Zeros(dev, n)
		for _, op := range []tensor.BinaryOp{tensor.OpAdd, tensor.OpMul} {
			b.Run(fmt.Sprintf("%v/n=%d", op, n), func(b *testing.B) {
				b.SetBytes(12 * int64(n))
				for b.Loop() {
					tensor.BinaryInto(op, out, x, y)
				}
			})
		}
		x.Release()
		y.Release()
		out.Release()
	}
}
