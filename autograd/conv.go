package autograd

import "github.com/ditgo/ditgo/tensor"

// Conv2D returns the 2-D convolution of x [B, Cin, H, W] with the weight
// w [Cout, Cin, KH, KW] (PyTorch's layout), plus bias [Cout] when it is not
// nil, at the given stride with pad zeros on every side: out is
// [B, Cout, OH, OW] (see tensor.Conv2D and tensor.Conv2DArgs).
//
// Every output pixel is a dot product of a window of x with a kernel, so
// the three gradients are sums over the same (output pixel, weight) pairs,
// each a kernel of its own (tensor/conv.go):
//
//	dx[b,ci,iy,ix]  = Σ dout[b,co,oy,ox] · w[co,ci,ky,kx]   over the windows that cover (iy, ix)
//	dw[co,ci,ky,kx] = Σ dout[b,co,oy,ox] · x[b,ci,iy,ix]    over every output pixel
//	dbias[co]       = Σ_{b,oy,ox} dout[b,co,oy,ox]
//
// with iy = oy·stride + ky − pad, ix = ox·stride + kx − pad. The bias
// gradient is two Sums. A parameter's weight gradient is added straight
// into its Grad (tensor.Conv2DBackwardWeightAcc).
//
// The convolution stays float32 whatever the graph's precision (Autocast):
// its kernels have no bfloat16 form yet.
func (g *Graph) Conv2D(x, w, bias *Var, stride, pad int) *Var {
	var b *tensor.Tensor
	if bias != nil {
		b = bias.Value
	}
	args := tensor.NewConv2DArgs(x.Value, w.Value, stride, pad)
	out := g.result(tensor.Conv2D(x.Value, w.Value, b, stride, pad), x, w, bias)
	out.backward = func() {
		if x.requiresGrad {
			g.accumulate(x, tensor.Conv2DBackwardInput(out.Grad, w.Value, args))
		}
		switch {
		case !w.requiresGrad:
		case w.param:
			w.ensureGrad()
			tensor.Conv2DBackwardWeightAcc(w.Grad, out.Grad, x.Value, args)
		default:
			g.accumulate(w, tensor.Conv2DBackwardWeight(out.Grad, x.Value, args))
		}
		if bias != nil && bias.requiresGrad {
			perImage := g.Own(tensor.Sum(out.Grad, 2, 3)) // [B, Cout]
			g.accumulate(bias, tensor.Sum(perImage, 0))   // [Cout]
		}
	}
	return out
}
