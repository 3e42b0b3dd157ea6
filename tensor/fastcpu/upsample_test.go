package fastcpu_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// BenchmarkUpsample2x times nearest-neighbour upsampling of a U-Net
// activation (batch 32, 128 channels, 16×16 → 32×32) on the fast device:
// the Upsample2x kernel, and the same result composed from the other
// primitives, which is what tensor.Upsample2x's doc comment weighs it
// against: each value doubled along W, then each row along H, each a Binary
// add that broadcasts into a Fill of zeros. The backward likewise: the
// kernel, and two Sums over axes of length 2. GB/s counts the kernel's
// bytes (one input, four outputs, or the reverse) for both.
func BenchmarkUpsample2x(b *testing.B) {
	const nB, nC, h, w = 32, 128, 16, 16
	dev := fastcpu.New()
	n := nB * nC * h * w
	x, dout := tensor.Full(dev, 0.5, nB, nC, h, w), tensor.Full(dev, 1, nB, nC, 2*h, 2*w)
	gbs := func(b *testing.B) {
		b.ReportMetric(20*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	}
	b.Run("forward/kernel", func(b *testing.B) {
		for b.Loop() {
			tensor.Upsample2x(x).Release()
		}
		gbs(b)
	})
	b.Run("forward/composed", func(b *testing.B) {
		for b.Loop() {
			zeros := tensor.Zeros(dev, n, 2)
			pairs := tensor.Add(zeros, x.Reshape(n, 1)) // [B·C·H·W, 2]: each value twice
			zeros.Release()
			zeros = tensor.Zeros(dev, nB*nC*h, 2, 2*w)
			out := tensor.Add(zeros, pairs.Reshape(nB*nC*h, 1, 2*w)) // each row twice
			zeros.Release()
			pairs.Release()
			out.Release()
		}
		gbs(b)
	})
	b.Run("backward/kernel", func(b *testing.B) {
		for b.Loop() {
			tensor.Upsample2xBackward(dout).Release()
		}
		gbs(b)
	})
	b.Run("backward/composed", func(b *testing.B) {
		for b.Loop() {
			cols := tensor.Sum(dout.Reshape(nB*nC*h, 2, w, 2), 3) // [B·C·H, 2, W]
			tensor.Sum(cols, 1).Release()
			cols.Release()
		}
		gbs(b)
	})
	x.Release()
	dout.Release()
}
