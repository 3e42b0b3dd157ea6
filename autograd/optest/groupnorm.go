package optest

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// groupNormCases returns the cases of GroupNorm with its affine and ADM's
// scale-shift modulation: the U-Net's shape (32 groups of 64 channels), one
// group (LayerNorm over C·H·W), one channel per group (InstanceNorm), odd
// and single-pixel spatial sizes, spans either side of the shaders'
// workgroup of 256, spatial ranks 0 to 2, with and without shift and scale;
// SiLU fused (GroupNormSiLU) on some; then random shapes, every other one
// with SiLU. Their random draws come from a stream of their own, so
// that adding them left the other cases' shapes as they were.
func groupNormCases(opts Options) []Case {
	r := rand.New(rand.NewPCG(opts.Seed, 16))
	pick := func() int { return opts.Sizes[r.IntN(len(opts.Sizes))] }
	small := func() int { return 1 + r.IntN(3) }
	cs := []Case{
		groupNormCase([]int{2, 64, 3, 3}, 32, true, true), // the U-Net's groups, small H, W
		groupNormCase([]int{2, 3, 2, 3}, 1, true, true),   // one group
		groupNormCase([]int{2, 4, 3, 3}, 4, false, false), // one channel per group
		groupNormCase([]int{1, 6, 5, 7}, 3, false, true),  // odd H·W
		groupNormCase([]int{3, 8, 1, 1}, 2, true, false),  // H·W = 1
		groupNormCase([]int{1, 2, 16, 16}, 1, true, true), // a channel is one workgroup's width
		groupNormCase([]int{2, 4, 15, 17}, 2, true, true), // 255 per channel, 510 per group
		groupNormCase([]int{1, 2, 1, 257}, 2, false, true),
		groupNormCase([]int{2, 4, 5}, 2, true, true), // [B, C, L]
		groupNormCase([]int{3, 6}, 2, true, true),    // [B, C]
		// SiLU fused (GroupNormSiLU), with and without the modulation
		groupNormSiLUCase([]int{2, 64, 3, 3}, 32, true, true),
		groupNormSiLUCase([]int{2, 3, 2, 3}, 1, false, false),
		groupNormSiLUCase([]int{1, 6, 5, 7}, 3, true, false),
		groupNormSiLUCase([]int{2, 4, 15, 17}, 2, false, true),
		groupNormSiLUCase([]int{1, 2, 1, 257}, 2, true, true),
	}
	for i := range opts.Random {
		g, cg, h, w := small(), 1+r.IntN(5), small(), pick()
		if cg*h*w < 3 {
			cg = 3 // see groupNormCase
		}
		x, shift, scale := []int{small(), g * cg, h, w}, r.IntN(2) == 0, r.IntN(2) == 0
		if i%2 == 1 { // every other one with SiLU, leaving the draws as they were
			cs = append(cs, groupNormSiLUCase(x, g, shift, scale))
		} else {
			cs = append(cs, groupNormCase(x, g, shift, scale))
		}
	}
	return cs
}

// groupNormCase is GroupNorm of x with groups groups; its inputs are x,
// gamma, beta, shift and scale, whose gradients are all checked (shift and
// scale get none when they are left out). A group must hold at least three
// values: of one, x̂ is 0 whatever x, and of two, x̂ = ±1 up to ε, so the
// gradient with respect to x is zero or of order ε/variance, the remainder
// of a cancellation that float32 cannot resolve.
func groupNormCase(x []int, groups int, shift, scale bool) Case {
	return groupNormOrSiLU(x, groups, shift, scale, false)
}

// groupNormSiLUCase is groupNormCase with SiLU fused (GroupNormSiLU).
func groupNormSiLUCase(x []int, groups int, shift, scale bool) Case {
	return groupNormOrSiLU(x, groups, shift, scale, true)
}

// groupNormOrSiLU is the case of GroupNorm, or of GroupNormSiLU with silu.
func groupNormOrSiLU(x []int, groups int, shift, scale, silu bool) Case {
	b, c := x[0], x[1]
	hw := numel(x[2:])
	in := []Input{{Shape: x}, {Shape: []int{c}}, {Shape: []int{c}}, {Shape: []int{b, c}}, {Shape: []int{b, c}}}
	name := "GroupNorm"
	if silu {
		name = "GroupNormSiLU"
	}
	return Case{Name: fmt.Sprintf("%s/%v_G%d_shift%v_scale%v", name, x, groups, shift, scale), Inputs: in,
		// The statistics and dx sum over a group, dgamma and dbeta over
		// the samples and positions of a channel.
		Accum: max(c/groups*hw, b*hw),
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
			var sh, sc *autograd.Var
			if shift {
				sh = in[3]
			}
			if scale {
				sc = in[4]
			}
			if silu {
				return g.GroupNormSiLU(in[0], in[1], in[2], sh, sc, groups, tensor.GroupNormEps)
			}
			return g.GroupNorm(in[0], in[1], in[2], sh, sc, groups)
		}}
}
