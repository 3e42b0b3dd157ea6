package optest

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// convCases returns the cases of the 2-D convolution (autograd.Graph.Conv2D:
// the forward pass and the gradients of x, w and the bias): table cases for
// each kind of convolution the U-Net and the VAE use (1×1, 3×3 at stride 1
// and 2, 5×5, 7×7, with and without bias), the edges of the fast CPU
// device's GEMM, whose products are [Cout × OH·OW × Cin·KH·KW] forward and
// [Cout × Cin·KH·KW × B·OH·OW] for the weight gradient (12×32 and 6×16
// tiles, a depth block of 384), and random shapes from pick.
//
// The sizes stay small: GradCheck runs the float64 reference forward twice
// for every sampled element.
func convCases(r *rand.Rand, pick func() int, random int) []Case {
	type conv struct {
		b, cin, h, w, cout, kh, kw, stride, pad int
		bias                                    bool
	}
	var cs []Case
	for _, c := range []conv{
		{2, 3, 5, 4, 4, 1, 1, 1, 0, true},    // 1×1: a Linear on every pixel
		{2, 3, 6, 7, 5, 3, 3, 1, 1, true},    // the ResBlock's 3×3
		{1, 4, 9, 8, 3, 3, 3, 2, 1, true},    // downsampling; the stride drops a column
		{1, 2, 7, 6, 3, 5, 5, 1, 2, false},   // 5×5, no bias
		{2, 2, 9, 9, 2, 7, 7, 2, 3, true},    // 7×7 at stride 2
		{1, 1, 3, 3, 1, 3, 3, 1, 0, false},   // one output pixel
		{1, 2, 3, 3, 2, 1, 1, 1, 1, true},    // padding wider than the kernel: a border of bias
		{2, 3, 8, 8, 5, 4, 4, 4, 0, true},    // kernel = stride: a patch embedding
		{1, 2, 5, 4, 3, 3, 1, 1, 1, true},    // a 3×1 kernel
		{1, 5, 4, 8, 12, 3, 3, 1, 1, false},  // Cout one tile high, OH·OW one tile wide
		{1, 5, 3, 11, 11, 3, 3, 1, 1, true},  // … one less and one more
		{2, 43, 6, 6, 13, 3, 3, 1, 1, true},  // Cin·9 = 387 crosses the depth block; two cores
		{3, 2, 15, 15, 4, 3, 3, 1, 1, false}, // the weight gradient's depth, 3·225, crosses images
		{2, 7, 17, 16, 7, 3, 3, 2, 1, true},  // 7 rows around the 6-row tile, at stride 2
	} {
		cs = append(cs, convCase(c.b, c.cin, c.h, c.w, c.cout, c.kh, c.kw, c.stride, c.pad, c.bias))
	}
	for range random {
		k := []int{1, 3, 5}[r.IntN(3)]
		stride, pad := 1+r.IntN(2), r.IntN(k/2+1)
		side := func() int { return max(min(pick(), 9), k-2*pad) }
		cs = append(cs, convCase(1+r.IntN(3), min(pick(), 17), side(), side(), min(pick(), 17), k, k, stride, pad, r.IntN(2) == 0))
	}
	return append(cs, convSharedWeight())
}

// convCase convolves x [b, cin, h, w] with a weight [cout, cin, kh, kw]
// and, with bias, a bias [cout].
func convCase(b, cin, h, w, cout, kh, kw, stride, pad int, bias bool) Case {
	args := tensor.Conv2DArgs{B: b, Cin: cin, H: h, W: w, Cout: cout, KH: kh, KW: kw, Stride: stride, Pad: pad}
	inputs := []Input{{Shape: []int{b, cin, h, w}}, {Shape: []int{cout, cin, kh, kw}}}
	if bias {
		inputs = append(inputs, Input{Shape: []int{cout}})
	}
	return Case{
		Name:   fmt.Sprintf("Conv2D/x%v_w%v_stride%d_pad%d_bias%v", inputs[0].Shape, inputs[1].Shape, stride, pad, bias),
		Inputs: inputs,
		// The longest sums: an output pixel's (Cin·KH·KW, and the bias),
		// a weight's gradient (B·OH·OW) and an input pixel's (Cout·KH·KW).
		Accum: max(cin*kh*kw+1, b*args.OH()*args.OW(), cout*kh*kw),
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
			var bv *autograd.Var
			if bias {
				bv = in[2]
			}
			return g.Conv2D(in[0], in[1], bv, stride, pad)
		}}
}

// convSharedWeight uses one weight in two convolutions, at strides 1 and 2,
// as a U-Net never does but a gradient must survive: the second weight
// gradient is added to the first (Conv2DBackwardWeightAcc into a Grad that
// is no longer zero), and x's two input gradients are summed.
func convSharedWeight() Case {
	return Case{Name: "Conv2D/shared_weight", Accum: 3 * 7 * 7,
		Inputs: []Input{{Shape: []int{2, 3, 7, 7}}, {Shape: []int{4, 3, 3, 3}}, {Shape: []int{4}}},
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
			full := g.Conv2D(in[0], in[1], in[2], 1, 1) // [2, 4, 7, 7]
			half := g.Conv2D(in[0], in[1], nil, 2, 0)   // [2, 4, 3, 3]
			return g.Concat(-1, g.Reshape(full, 2, 4, 49), g.Reshape(half, 2, 4, 9))
		}}
}
