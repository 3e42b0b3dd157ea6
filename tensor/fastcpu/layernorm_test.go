package fastcpu_test

import (
	"fmt"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// BenchmarkLayerNormModulate times the fused layernorm-modulation forward
// and backward (with the shift and scale gradients) at the shapes of
// DiT-Tiny/4 (64 × 49 tokens × 192) and DiT-S/2 (32 × 256 × 384). GB/s
// counts the bytes that must move: x and out forward; dout, x and dx
// backward.
func BenchmarkLayerNormModulate(b *testing.B) {
	for _, s := range [][3]int{{64, 49, 192}, {32, 256, 384}} {
		nB, nT, nD := s[0], s[1], s[2]
		for _, dev := range []tensor.Device{fastcpu.New(), tensor.NewCPU()} {
			n := nB * nT * nD
			x, out, dx, dout := tensor.Full(dev, 0.5, n), tensor.New(dev, n), tensor.New(dev, n), tensor.Full(dev, 1, n)
			shift, scale, dshift, dscale := tensor.Full(dev, 0.1, nB*nD), tensor.Full(dev, 0.2, nB*nD), tensor.New(dev, nB*nD), tensor.New(dev, nB*nD)
			mean, rstd := tensor.New(dev, nB*nT), tensor.New(dev, nB*nT)
			name := fmt.Sprintf("B=%d_T=%d_D=%d/%s", nB, nT, nD, deviceLabel(dev))
			b.Run("forward/"+name, func(b *testing.B) {
				for b.Loop() {
					dev.LayerNormModulate(out.Buffer(), mean.Buffer(), rstd.Buffer(), x.Buffer(), shift.Buffer(), scale.Buffer(), nB, nT, nD)
				}
				b.ReportMetric(8*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
			b.Run("backward/"+name, func(b *testing.B) {
				for b.Loop() {
					dev.LayerNormModulateBackward(dx.Buffer(), dshift.Buffer(), dscale.Buffer(), dout.Buffer(), x.Buffer(), scale.Buffer(), mean.Buffer(), rstd.Buffer(), nB, nT, nD)
				}
				b.ReportMetric(12*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
			for _, t := range []*tensor.Tensor{x, out, dx, dout, shift, scale, dshift, dscale, mean, rstd} {
				t.Release()
			}
		}
	}
}
