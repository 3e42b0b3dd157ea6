package tensor

import "fmt"

// Conv2DArgs describes a 2-D convolution in NCHW layout (PyTorch's Conv2d
// with dilation 1 and groups 1):
//
//	x:    [B, Cin, H, W]         the input planes
//	w:    [Cout, Cin, KH, KW]    one KH×KW kernel per pair of planes
//	bias: [Cout] or nil
//	out:  [B, Cout, OH, OW]      OH = (H + 2·Pad − KH)/Stride + 1, OW likewise
//
// The input is padded with Pad zeros on every side (the same Pad on both
// axes), and the kernel moves Stride pixels at a time; a division that does
// not come out even drops the rows and columns that do not fit, as PyTorch
// does.
type Conv2DArgs struct {
	B, Cin, H, W int
	Cout, KH, KW int
	Stride, Pad  int
}

// OH is the height of the output.
func (a Conv2DArgs) OH() int { return (a.H+2*a.Pad-a.KH)/a.Stride + 1 }

// OW is the width of the output.
func (a Conv2DArgs) OW() int { return (a.W+2*a.Pad-a.KW)/a.Stride + 1 }

// MACs is the number of multiply-adds of the forward pass, which each of the
// two backward kernels also does: B·Cout·OH·OW·Cin·KH·KW. Twice it is the
// FLOP count that benchmarks report.
func (a Conv2DArgs) MACs() int { return a.B * a.Cout * a.OH() * a.OW() * a.Cin * a.KH * a.KW }

// NewConv2DArgs returns the sizes of the convolution of x [B, Cin, H, W]
// with w [Cout, Cin, KH, KW] at the given stride and padding. It panics,
// naming both shapes, when they do not fit together.
func NewConv2DArgs(x, w *Tensor, stride, pad int) Conv2DArgs {
	return conv2DArgs("Conv2D", x, w, stride, pad)
}

func conv2DArgs(op string, x, w *Tensor, stride, pad int) Conv2DArgs {
	if x.Rank() != 4 || w.Rank() != 4 || x.Dim(1) != w.Dim(1) {
		panic(fmt.Sprintf("tensor.%s: x %v and weight %v, want [B, Cin, H, W] and [Cout, Cin, KH, KW] with the same Cin", op, x.shape, w.shape))
	}
	a := Conv2DArgs{B: x.Dim(0), Cin: x.Dim(1), H: x.Dim(2), W: x.Dim(3), Cout: w.Dim(0), KH: w.Dim(2), KW: w.Dim(3), Stride: stride, Pad: pad}
	a.check(op)
	return a
}

// check panics unless the sizes make a convolution with at least one output
// pixel.
func (a Conv2DArgs) check(op string) {
	switch {
	case a.Stride < 1 || a.Pad < 0:
		panic(fmt.Sprintf("tensor.%s: stride %d and pad %d, want stride ≥ 1 and pad ≥ 0", op, a.Stride, a.Pad))
	case a.B < 1 || a.Cin < 1 || a.H < 1 || a.W < 1 || a.Cout < 1 || a.KH < 1 || a.KW < 1:
		panic(fmt.Sprintf("tensor.%s: sizes %+v, want every size ≥ 1", op, a))
	case a.H+2*a.Pad < a.KH || a.W+2*a.Pad < a.KW:
		panic(fmt.Sprintf("tensor.%s: a %d×%d kernel does not fit in a %d×%d input padded by %d", op, a.KH, a.KW, a.H, a.W, a.Pad))
	}
}

// Conv2D returns the convolution of x with w (+ bias): see Conv2DArgs for
// the shapes. It is the cross-correlation that deep-learning frameworks call
// convolution (the kernel is not flipped):
//
//	out[b,co,oy,ox] = bias[co] + Σ_{ci,ky,kx} x[b, ci, oy·S+ky−P, ox·S+kx−P] · w[co,ci,ky,kx]
//
// with S the stride, P the padding, and x zero outside its H×W plane.
func Conv2D(x, w, bias *Tensor, stride, pad int) *Tensor {
	dev := mustSameDevice("Conv2D", x, w, bias)
	mustFloat("Conv2D", x, w, bias)
	a := conv2DArgs("Conv2D", x, w, stride, pad)
	if bias != nil && !sameDims(bias.shape, a.Cout) {
		panic(fmt.Sprintf("tensor.Conv2D: bias %v, want [%d] for weight %v", bias.shape, a.Cout, w.shape))
	}
	out := New(dev, a.B, a.Cout, a.OH(), a.OW())
	dev.Conv2D(out.buf, x.buf, w.buf, buf(bias), a)
	return out
}

// Conv2DBackwardInput returns dx [B, Cin, H, W], the gradient of Conv2D with
// respect to x, given the upstream gradient dout [B, Cout, OH, OW] and the
// weight w [Cout, Cin, KH, KW]. a gives the sizes (H and W cannot be told
// from dout when the stride drops pixels).
func Conv2DBackwardInput(dout, w *Tensor, a Conv2DArgs) *Tensor {
	dev := mustSameDevice("Conv2DBackwardInput", dout, w)
	mustFloat("Conv2DBackwardInput", dout, w)
	a.check("Conv2DBackwardInput")
	mustConvShape("Conv2DBackwardInput", "dout", dout, a, a.B, a.Cout, a.OH(), a.OW())
	mustConvShape("Conv2DBackwardInput", "weight", w, a, a.Cout, a.Cin, a.KH, a.KW)
	dx := New(dev, a.B, a.Cin, a.H, a.W)
	dev.Conv2DBackwardInput(dx.buf, dout.buf, w.buf, a)
	return dx
}

// Conv2DBackwardWeight returns dw [Cout, Cin, KH, KW], the gradient of
// Conv2D with respect to w, given the upstream gradient dout
// [B, Cout, OH, OW] and the input x [B, Cin, H, W]. The bias gradient is
// not a kernel of its own: it is Σ over b, oy, ox of dout, two Sums.
func Conv2DBackwardWeight(dout, x *Tensor, a Conv2DArgs) *Tensor {
	dev := mustConvWeightGrad("Conv2DBackwardWeight", dout, x, a)
	dw := New(dev, a.Cout, a.Cin, a.KH, a.KW)
	dev.Conv2DBackwardWeight(dw.buf, dout.buf, x.buf, a, false)
	return dw
}

// Conv2DBackwardWeightAcc adds the gradient of Conv2D with respect to w to
// dw in place, as MatMulAcc does for a product: a parameter's gradient
// accumulates without a temporary.
func Conv2DBackwardWeightAcc(dw, dout, x *Tensor, a Conv2DArgs) {
	const op = "Conv2DBackwardWeightAcc"
	dev := mustConvWeightGrad(op, dout, x, a)
	mustSameDevice(op, dw, dout)
	mustFloat(op, dw)
	mustConvShape(op, "dw", dw, a, a.Cout, a.Cin, a.KH, a.KW)
	dev.Conv2DBackwardWeight(dw.buf, dout.buf, x.buf, a, true)
}

// mustConvWeightGrad checks the operands of a weight gradient and returns
// their device.
func mustConvWeightGrad(op string, dout, x *Tensor, a Conv2DArgs) Device {
	dev := mustSameDevice(op, dout, x)
	mustFloat(op, dout, x)
	a.check(op)
	mustConvShape(op, "dout", dout, a, a.B, a.Cout, a.OH(), a.OW())
	mustConvShape(op, "x", x, a, a.B, a.Cin, a.H, a.W)
	return dev
}

func mustConvShape(op, name string, t *Tensor, a Conv2DArgs, dims ...int) {
	if !sameDims(t.shape, dims...) {
		panic(fmt.Sprintf("tensor.%s: %s %v, want %v for the convolution %+v", op, name, t.shape, dims, a))
	}
}

// The reference loops. Each output element is one sum, formed by one
// goroutine in the loop's order; the planes are split over the cores.

// Conv2DRef computes, for every b < B, co < Cout, oy < OH, ox < OW:
//
//	out[b,co,oy,ox] = bias[co] + Σ_{ci<Cin} Σ_{ky<KH} Σ_{kx<KW} x[b,ci,iy,ix]·w[co,ci,ky,kx]
//	                  with iy = oy·Stride + ky − Pad, ix = ox·Stride + kx − Pad
//
// where terms with iy or ix outside the input are zero (the padding). A nil
// bias counts as zero.
func Conv2DRef[F Float](out, x, w, bias []F, a Conv2DArgs) {
	OH, OW := a.OH(), a.OW()
	parallelFor(a.B*a.Cout, OH*OW*a.Cin*a.KH*a.KW, func(lo, hi int) {
		for plane := lo; plane < hi; plane++ {
			b, co := plane/a.Cout, plane%a.Cout
			for oy := range OH {
				for ox := range OW {
					var acc F
					for ci := range a.Cin {
						for ky := range a.KH {
							iy := oy*a.Stride + ky - a.Pad
							if iy < 0 || iy >= a.H {
								continue
							}
							for kx := range a.KW {
								ix := ox*a.Stride + kx - a.Pad
								if ix < 0 || ix >= a.W {
									continue
								}
								acc += x[((b*a.Cin+ci)*a.H+iy)*a.W+ix] * w[((co*a.Cin+ci)*a.KH+ky)*a.KW+kx]
							}
						}
					}
					if bias != nil {
						acc += bias[co]
					}
					out[(plane*OH+oy)*OW+ox] = acc
				}
			}
		}
	})
}

// Conv2DBackwardInputRef computes dx = ∂L/∂x from dout = ∂L/∂out. Each x
// element reaches the outputs whose window covers it, so, for every b, ci,
// iy < H, ix < W:
//
//	dx[b,ci,iy,ix] = Σ_{co<Cout} Σ_{ky<KH} Σ_{kx<KW} dout[b,co,oy,ox]·w[co,ci,ky,kx]
//	                 with oy = (iy + Pad − ky)/Stride, ox = (ix + Pad − kx)/Stride
//
// over the terms where both divisions are exact and oy < OH, ox < OW (an
// input pixel that the stride skips, or that no window reaches, gets 0).
// Each dx element is gathered by one goroutine, so no two write the same
// element.
func Conv2DBackwardInputRef[F Float](dx, dout, w []F, a Conv2DArgs) {
	OH, OW, S := a.OH(), a.OW(), a.Stride
	parallelFor(a.B*a.Cin, a.H*a.W*a.Cout*a.KH*a.KW, func(lo, hi int) {
		for plane := lo; plane < hi; plane++ {
			b, ci := plane/a.Cin, plane%a.Cin
			for iy := range a.H {
				for ix := range a.W {
					var acc F
					for co := range a.Cout {
						for ky := range a.KH {
							ty := iy + a.Pad - ky
							if ty < 0 || ty%S != 0 || ty/S >= OH {
								continue
							}
							for kx := range a.KW {
								tx := ix + a.Pad - kx
								if tx < 0 || tx%S != 0 || tx/S >= OW {
									continue
								}
								acc += dout[((b*a.Cout+co)*OH+ty/S)*OW+tx/S] * w[((co*a.Cin+ci)*a.KH+ky)*a.KW+kx]
							}
						}
					}
					dx[(plane*a.H+iy)*a.W+ix] = acc
				}
			}
		}
	})
}

// Conv2DBackwardWeightRef computes dw = ∂L/∂w from dout = ∂L/∂out and the
// input x: every weight meets one input pixel per output pixel, so, for
// every co, ci, ky, kx:
//
//	dw[co,ci,ky,kx] = (accumulate ? dw[co,ci,ky,kx] : 0)
//	                  + Σ_{b<B} Σ_{oy<OH} Σ_{ox<OW} dout[b,co,oy,ox]·x[b,ci,iy,ix]
//	                  with iy = oy·Stride + ky − Pad, ix = ox·Stride + kx − Pad
//
// where terms with iy or ix outside the input (the padding) are zero.
func Conv2DBackwardWeightRef[F Float](dw, dout, x []F, a Conv2DArgs, accumulate bool) {
	OH, OW := a.OH(), a.OW()
	parallelFor(a.Cout*a.Cin, a.KH*a.KW*a.B*OH*OW, func(lo, hi int) {
		for pair := lo; pair < hi; pair++ {
			co, ci := pair/a.Cin, pair%a.Cin
			for ky := range a.KH {
				for kx := range a.KW {
					var acc F
					for b := range a.B {
						for oy := range OH {
							iy := oy*a.Stride + ky - a.Pad
							if iy < 0 || iy >= a.H {
								continue
							}
							for ox := range OW {
								ix := ox*a.Stride + kx - a.Pad
								if ix < 0 || ix >= a.W {
									continue
								}
								acc += dout[((b*a.Cout+co)*OH+oy)*OW+ox] * x[((b*a.Cin+ci)*a.H+iy)*a.W+ix]
							}
						}
					}
					i := (pair*a.KH+ky)*a.KW + kx
					if accumulate {
						acc += dw[i]
					}
					dw[i] = acc
				}
			}
		}
	})
}
