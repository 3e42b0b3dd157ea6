package optest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/tensor"
)

// fp16Cases checks the float16 matrix products and attention
// (tensor.MatMulRounded, MatMulAccRounded, AttentionRounded and
// AttentionBackwardRounded with tensor.RoundToFP16) as bf16Cases and
// bf16AttentionCases check the bfloat16 ones, with the same tolerances: a
// product of two float16 numbers (11 significant bits each, 22 in the
// product) is exact in float32 too, so devices and the reference multiply
// the same numbers to the same products and differ only in their sums.
// fp16Rounding, fp16NotFP32 and fp16AttentionRounding make every rounding
// show.
func fp16Cases(r *rand.Rand, pick func() int, random, maxDh int) []KernelCase {
	type shape struct {
		batch, m, n, k int
		transA, transB bool
		bias, acc      bool
	}
	product := func(s shape) KernelCase {
		name := fmt.Sprintf("MatMulFP16/B%d_M%d_N%d_K%d_tA%v_tB%v_bias%v_acc%v", s.batch, s.m, s.n, s.k, s.transA, s.transB, s.bias, s.acc)
		return KernelCase{Name: name, Accum: s.k, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			sa, sb := []int{s.batch, s.m, s.k}, []int{s.batch, s.k, s.n}
			if s.transA {
				sa = []int{s.batch, s.k, s.m}
			}
			if s.transB {
				sb = []int{s.batch, s.n, s.k}
			}
			a := tensor.FromSlice(dev, randomFloats(r, numel(sa)), sa...)
			b := tensor.FromSlice(dev, randomFloats(r, numel(sb)), sb...)
			defer a.Release()
			defer b.Release()
			if s.acc {
				out := tensor.FromSlice(dev, randomFloats(r, s.batch*s.m*s.n), s.batch, s.m, s.n)
				tensor.MatMulAccRounded(out, a, b, s.transA, s.transB, tensor.RoundToFP16)
				return []*tensor.Tensor{out}
			}
			var bias *tensor.Tensor
			if s.bias {
				bias = tensor.FromSlice(dev, randomFloats(r, s.n), s.n)
				defer bias.Release()
			}
			return []*tensor.Tensor{tensor.MatMulRounded(a, b, s.transA, s.transB, bias, tensor.RoundToFP16)}
		}}
	}
	var ks []KernelCase
	for _, s := range []shape{
		{batch: 1, m: 1, n: 1, k: 1},
		{batch: 1, m: 63, n: 65, k: 17, transA: true, acc: true},
		{batch: 1, m: 65, n: 63, k: 15, transB: true, bias: true},
		{batch: 2, m: 65, n: 17, k: 65, transA: true, transB: true, acc: true},
		{batch: 3, m: 5, n: 7, k: 33, bias: true},
	} {
		ks = append(ks, product(s))
	}
	for _, s := range [][4]int{{1, 1, 1, 1}, {2, 3, 5, 4}, {1, 1, 9, 64}, {2, 2, 65, 16}, {1, 1, 33, 72}} {
		ks = append(ks, fp16Attention(s[0], s[1], s[2], s[3]))
	}
	for range random {
		ks = append(ks, product(shape{batch: 1 + r.IntN(3), m: pick(), n: pick(), k: pick(), transA: r.IntN(2) == 0, transB: r.IntN(2) == 0, acc: r.IntN(2) == 0}))
		dh := pick()
		if maxDh > 0 {
			dh = min(dh, maxDh)
		}
		ks = append(ks, fp16Attention(1+r.IntN(2), 1+r.IntN(3), pick(), dh))
	}
	return append(ks, fp16Rounding(), fp16NotFP32(), fp16AttentionRounding())
}

// fp16Attention runs float16 attention and its backward on N(0, 1) inputs
// and an N(0, 1) upstream gradient; it returns out, lse and dqkv. The
// tolerance is bfloat16's: float16 rounds eight times finer, so it is loose
// here, and fp16AttentionRounding is the sharp check.
func fp16Attention(b, h, t, dh int) KernelCase {
	return randomAttention("AttentionFP16", b, h, t, dh, attentionFP16)
}

func attentionFP16(qkv, dout *tensor.Tensor) []*tensor.Tensor {
	scale := float32(1 / math.Sqrt(float64(qkv.Dim(4))))
	out, lse := tensor.AttentionRounded(qkv, scale, tensor.RoundToFP16)
	return []*tensor.Tensor{out, lse, tensor.AttentionBackwardRounded(dout, qkv, out, lse, scale, tensor.RoundToFP16)}
}

// fp16AttentionRounding is bf16AttentionRounding for float16: operands
// ±(1 + m·2⁻¹¹) with m odd, whose last bit float16 drops (a tie, to even),
// and P = ⅓, which float16 rounds to 0.333251953125.
func fp16AttentionRounding() KernelCase {
	return attentionRounding("AttentionFP16/rounding", attentionFP16, 0x1p-11)
}

// fp16RoundA and fp16RoundB are the hard cases of RoundFP16, each with what
// it rounds to: ties both ways, a carry into the exponent, overflow to
// infinity, and subnormal float16 values (normal float32 ones, so no device
// may flush them).
var (
	fp16RoundA = []float32{
		1 + 0x1p-11,              // halfway between 1 and 1 + 2⁻¹⁰: down to even, 1
		1 + 3*0x1p-11,            // halfway: up to even, 1 + 2⁻⁹
		-(1 + 0x1p-11 + 0x1p-20), // past halfway: −(1 + 2⁻¹⁰), sign kept
		2 - 0x1p-11,              // halfway below 2, odd: carries into the exponent, 2
		65520,                    // halfway past 65504, odd: +Inf
		3 * 0x1p-25,              // a subnormal tie between 1 and 2 steps of 2⁻²⁴: 2⁻²³
		0x1p-25,                  // a tie between 0 and 2⁻²⁴: 0
	}
	fp16RoundB = []float32{
		1,
		-(1 + 0x1p-12), // below halfway: −1
		0.1,            // up to 0.0999755859375 = 1638·2⁻¹⁴
		3 + 0x1p-10,    // 2·(1.5 + 2⁻¹¹), halfway, even: 3
	}
)

// fp16Rounding checks the rounding itself, element by element, as
// bf16Rounding does: out[i,j] = round(fp16RoundA[i mod 7])·round(fp16RoundB[j mod 4]),
// exactly.
func fp16Rounding() KernelCase {
	return roundingCase("MatMulFP16/rounding", fp16RoundA, fp16RoundB, tensor.RoundToFP16)
}

// fp16NotFP32 checks that float16 changes the result: it returns the
// float16 product minus the float32 one, K = 1, for operands ±(1 + m·2⁻¹¹)
// with m odd, whose last bit float16 drops. Operands of 12 significant bits
// have products of at most 24, exact in float32, as is their difference
// from the rounded product; a device computing float32 for both returns 0.
func fp16NotFP32() KernelCase {
	const m, n = 65, 33
	return KernelCase{Name: "MatMulFP16/differs_from_fp32", Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
		operand := func(count int) []float32 {
			x := make([]float32, count)
			for i := range x {
				x[i] = float32(1 + float64(2*r.IntN(512)+1)*0x1p-11)
				if r.IntN(2) == 0 {
					x[i] = -x[i]
				}
			}
			return x
		}
		ta := tensor.FromSlice(dev, operand(m), m, 1)
		tb := tensor.FromSlice(dev, operand(n), 1, n)
		half, fp := tensor.MatMulRounded(ta, tb, false, false, nil, tensor.RoundToFP16), tensor.MatMul(ta, tb, false, false, nil)
		diff := tensor.Sub(half, fp)
		for _, t := range []*tensor.Tensor{ta, tb, half, fp} {
			t.Release()
		}
		return []*tensor.Tensor{diff}
	}}
}
