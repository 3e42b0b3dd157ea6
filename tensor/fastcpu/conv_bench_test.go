package fastcpu_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// unetConvs are the convolutions of UNet-B (the ADM U-Net with base
// channels 64, channel multipliers (1, 2, 2), 32×32×3 input, batch 32):
// every 3×3 convolution of its resolutions — the ResBlocks' at stride 1,
// where the channels stay or double, and the downsampling ones at stride
// 2 — the input convolution, a decoder convolution on concatenated skip
// channels, the output convolution (learned sigma: 6 channels) and a 1×1
// skip. All pad the 3×3 kernels by 1.
var unetConvs = []struct {
	name string
	a    tensor.Conv2DArgs
}{
	{"in_3to64_32x32", conv3x3(32, 3, 32, 64, 1)},
	{"res_64_32x32", conv3x3(32, 64, 32, 64, 1)},
	{"down_64_32x32_s2", conv3x3(32, 64, 32, 64, 2)},
	{"res_64to128_16x16", conv3x3(32, 64, 16, 128, 1)},
	{"res_128_16x16", conv3x3(32, 128, 16, 128, 1)},
	{"down_128_16x16_s2", conv3x3(32, 128, 16, 128, 2)},
	{"res_128_8x8", conv3x3(32, 128, 8, 128, 1)},
	{"dec_256to128_8x8", conv3x3(32, 256, 8, 128, 1)},
	{"out_64to6_32x32", conv3x3(32, 64, 32, 6, 1)},
	{"skip1x1_64to128_16x16", tensor.Conv2DArgs{B: 32, Cin: 64, H: 16, W: 16, Cout: 128, KH: 1, KW: 1, Stride: 1}},
}

func conv3x3(b, cin, side, cout, stride int) tensor.Conv2DArgs {
	return tensor.Conv2DArgs{B: b, Cin: cin, H: side, W: side, Cout: cout, KH: 3, KW: 3, Stride: stride, Pad: 1}
}

// BenchmarkConv2D reports the GFLOP/s (2·Conv2DArgs.MACs, the same for
// the three kernels) of the fast device's convolution on UNet-B's shapes:
// "forward" (with bias), "dx" (Conv2DBackwardInput) and "dw"
// (Conv2DBackwardWeight, accumulating as a parameter's gradient does).
// Beside each, "gemm-…" times the fast MatMul on stored operands of the
// sizes of the products that kernel runs, which is what the convolution
// would reach if its im2col matrix cost nothing:
//
//	forward   B products  [Cout × Cin·KH·KW] · [Cin·KH·KW × OH·OW]
//	dx        B products  [Cin × Cout·KH·KW] · [Cout·KH·KW × H·W]    at stride 1
//	                      [Cin × Cout·KH·KW] · [Cout·KH·KW × OH·OW]  at stride 2, the
//	                      same work as its S×S phases (smaller products)
//	dw        1 product   [Cout × B·OH·OW] · [B·OH·OW × Cin·KH·KW]
//
// "dbias" times the bias gradient as autograd forms it, two Sums over
// dout (its MB/s counts dout's bytes).
//
// The ratio conv ÷ gemm of one line is the price of the im2col gather,
// less what the convolution's sharing out of the work gains over the
// GEMM's (conv.go). Run the whole benchmark in one command, since a
// shared machine's clock moves; on a busy machine, run it with -count and
// compare the best of each line.
func BenchmarkConv2D(b *testing.B) {
	for _, s := range unetConvs {
		a := s.a
		b.Run(s.name, func(b *testing.B) {
			dev := fastcpu.New()
			x := tensor.Full(dev, 0.5, a.B, a.Cin, a.H, a.W)
			w := tensor.Full(dev, 0.25, a.Cout, a.Cin, a.KH, a.KW)
			bias := tensor.Full(dev, 1, a.Cout)
			dout := tensor.Full(dev, 0.125, a.B, a.Cout, a.OH(), a.OW())
			dw := tensor.Zeros(dev, a.Cout, a.Cin, a.KH, a.KW)
			flop := 2 * float64(a.MACs())
			kk := a.KH * a.KW
			dxGemm := tensor.MatMulArgs{Batch: a.B, M: a.Cin, N: a.H * a.W, K: a.Cout * kk}
			if a.Stride > 1 {
				dxGemm.N = a.OH() * a.OW()
			}
			runs := []struct {
				name string
				run  func()
			}{
				{"forward", func() { tensor.Conv2D(x, w, bias, a.Stride, a.Pad).Release() }},
				{"gemm-forward", benchGemm(b, dev, tensor.MatMulArgs{Batch: a.B, M: a.Cout, N: a.OH() * a.OW(), K: a.Cin * kk})},
				{"dx", func() { tensor.Conv2DBackwardInput(dout, w, a).Release() }},
				{"gemm-dx", benchGemm(b, dev, dxGemm)},
				{"dw", func() { tensor.Conv2DBackwardWeightAcc(dw, dout, x, a) }},
				{"gemm-dw", benchGemm(b, dev, tensor.MatMulArgs{Batch: 1, M: a.Cout, N: a.Cin * kk, K: a.B * a.OH() * a.OW(), TransB: true, Accumulate: true})},
			}
			for _, r := range runs {
				b.Run(r.name, func(b *testing.B) {
					r.run() // warm the pools and the packing buffers
					b.ResetTimer()
					for b.Loop() {
						r.run()
					}
					b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
			b.Run("dbias", func(b *testing.B) {
				b.SetBytes(int64(4 * dout.Numel()))
				for b.Loop() {
					perImage := tensor.Sum(dout, 2, 3)
					tensor.Sum(perImage, 0).Release()
					perImage.Release()
				}
			})
		})
	}
}

// benchGemm returns a function that runs the fast MatMul of args on
// operands it allocates once.
func benchGemm(b *testing.B, dev tensor.Device, args tensor.MatMulArgs) func() {
	out := dev.Alloc(tensor.Float32, args.Batch*args.M*args.N)
	x := dev.Alloc(tensor.Float32, args.Batch*args.M*args.K)
	y := dev.Alloc(tensor.Float32, args.Batch*args.K*args.N)
	dev.Fill(out, 0, args.Batch*args.M*args.N)
	dev.Fill(x, 0.5, args.Batch*args.M*args.K)
	dev.Fill(y, 0.25, args.Batch*args.K*args.N)
	b.Cleanup(func() { dev.Free(out); dev.Free(x); dev.Free(y) })
	return func() { dev.MatMul(out, x, y, nil, nil, args) }
}
