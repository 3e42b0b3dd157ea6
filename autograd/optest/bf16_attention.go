package optest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/tensor"
)

// bf16AttentionCases checks attention in mixed precision
// (tensor.AttentionBF16 and tensor.AttentionBackwardBF16,
// AttentionArgs.BF16): the forward's out and lse and the backward's dqkv,
// at fixed shapes around the kernels' edges and random ones from pick,
// and bf16AttentionRounding, which tells the precisions apart.
//
// Tolerance. The devices round the same factors as the reference, so a
// product of two is the same exact number on both, and the sums differ as
// in float32 attention. But two kinds of factor are computed before they
// are rounded, the probabilities P and the score gradients dS, and a
// device computes them in float32, a few units in the last place from the
// reference's float64. Now and then one lies close enough to a rounding
// boundary to round to the other bfloat16 neighbour, and one product moves
// by a bfloat16 step: at most 2⁻⁷ of itself (bfloat16 keeps 8 significant
// bits). The chance is about a few float32 steps in a bfloat16 step (2¹⁶
// of them), some 10⁻⁴ per factor, so a case of thousands of factors sees
// one or two, and a term of a sum is rarely more than half of the sum's
// scale |want| + rms(want). The random cases therefore allow 2⁻⁸ of that
// scale (bf16AttentionTol), which a kernel with a wrong sum or a wrong
// index misses by far. It cannot tell a kernel that skips a rounding (an
// error of about 2⁻⁹ of a term) from one that rounds; bf16AttentionRounding
// does that, with inputs for which nothing computed is near a boundary, at
// the float32 tolerance.
func bf16AttentionCases(r *rand.Rand, pick func() int, random, maxDh int) []KernelCase {
	var ks []KernelCase
	for _, s := range [][4]int{{1, 1, 1, 1}, {2, 3, 5, 4}, {1, 2, 17, 8}, {1, 1, 9, 64}, {2, 2, 65, 16}, {1, 1, 33, 72}} {
		ks = append(ks, bf16Attention(s[0], s[1], s[2], s[3]))
	}
	for range random {
		dh := pick()
		if maxDh > 0 {
			dh = min(dh, maxDh)
		}
		ks = append(ks, bf16Attention(1+r.IntN(2), 1+r.IntN(3), pick(), dh))
	}
	return append(ks, bf16AttentionRounding())
}

// bf16AttentionTol is the random cases' tolerance: one bfloat16 rounding
// that went the other way, in a term half the sum's scale.
const bf16AttentionTol = 1.0 / 256

// bf16Attention runs AttentionBF16 and its backward on N(0, 1) inputs and
// an N(0, 1) upstream gradient; it returns out, lse and dqkv.
func bf16Attention(b, h, t, dh int) KernelCase {
	return randomAttention("AttentionBF16", b, h, t, dh, attentionBF16)
}

// randomAttention is a case named name/B…_H…_T…_Dh… that runs attend on
// N(0, 1) inputs and upstream gradient, at bf16AttentionTol.
func randomAttention(name string, b, h, t, dh int, attend func(qkv, dout *tensor.Tensor) []*tensor.Tensor) KernelCase {
	return KernelCase{Name: fmt.Sprintf("%s/B%d_H%d_T%d_Dh%d", name, b, h, t, dh), Tol: bf16AttentionTol,
		Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			qkv := tensor.FromSlice(dev, randomFloats(r, 3*b*h*t*dh), 3, b, h, t, dh)
			dout := tensor.FromSlice(dev, randomFloats(r, b*h*t*dh), b, h, t, dh)
			defer qkv.Release()
			defer dout.Release()
			return attend(qkv, dout)
		}}
}

func attentionBF16(qkv, dout *tensor.Tensor) []*tensor.Tensor {
	scale := float32(1 / math.Sqrt(float64(qkv.Dim(4))))
	out, lse := tensor.AttentionBF16(qkv, scale)
	return []*tensor.Tensor{out, lse, tensor.AttentionBackwardBF16(dout, qkv, out, lse, scale)}
}

// bf16AttentionRounding makes every rounding of bfloat16 attention show.
// Its operands are ±(1 + m·2⁻⁹) with m odd, whose last bit bfloat16 drops
// (as in bf16NotFP32), with T = 3 and Dh = 4 (scale ½) in three heads:
//
//   - head 0 has q = 0, so every score is 0 and P = ⅓ exactly, which
//     rounds to 171/512: out = Σ_j round(⅓)·round(v_j) and
//     dv = Σ_i round(⅓)·round(dout_i), exact on every device, and dq sums
//     round(dS)·round(k);
//   - head 1 has k = 0: the same P, and dk sums round(dS)·round(q);
//   - head 2 has q and k of such numbers: its scores, and so lse, are
//     those of the rounded q and k.
//
// dS is made from dP = round(dout)·round(v)ᵀ. A device that skips any one
// of the roundings is off by some 2⁻⁹ of a term, hundreds of times the
// tolerance.
func bf16AttentionRounding() KernelCase {
	return attentionRounding("AttentionBF16/rounding", attentionBF16, 0x1p-9)
}

// attentionRounding is bf16AttentionRounding's inputs, with operands
// ±(1 + m·drop), m odd and below 512, run through attend (its test runs
// them through float32 attention too).
func attentionRounding(name string, attend func(qkv, dout *tensor.Tensor) []*tensor.Tensor, drop float64) KernelCase {
	const h, t, dh = 3, 3, 4
	return KernelCase{Name: name, Accum: t * dh, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
		value := func() float32 {
			x := float32(1 + float64(2*r.IntN(256)+1)*drop)
			if r.IntN(2) == 0 {
				return -x
			}
			return x
		}
		n := h * t * dh // one of q, k, v: [1, h, t, dh]
		qkv, dout := make([]float32, 3*n), make([]float32, n)
		for i := range qkv {
			part, head := i/n, i%n/(t*dh)
			if (part == 0 && head == 0) || (part == 1 && head == 1) {
				continue // q of head 0 and k of head 1 stay zero
			}
			qkv[i] = value()
		}
		for i := range dout {
			dout[i] = value()
		}
		tq, td := tensor.FromSlice(dev, qkv, 3, 1, h, t, dh), tensor.FromSlice(dev, dout, 1, h, t, dh)
		defer tq.Release()
		defer td.Release()
		return attend(tq, td)
	}}
}
