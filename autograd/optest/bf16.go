package optest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/tensor"
)

// bf16Cases checks the bfloat16 matrix products (tensor.MatMulBF16 and
// tensor.MatMulAccBF16, MatMulArgs.BF16): every transpose, bias,
// accumulation, batches, the shared-weight form of a Linear layer, odd
// sizes and sizes either side of the Vulkan shader's tile edges (64 rows
// and columns of out, 16 steps of K), then random shapes from pick.
//
// Tolerance. The reference rounds the same float32 inputs with the same
// RoundBF16, and a product of two bfloat16 numbers (8 significant bits
// each, 16 in the product) is exact in float32, so the device and the
// reference multiply exactly the same numbers to exactly the same products.
// They differ only in the sum: K float32 additions in the device's order
// against float64 ones. That is the error the float32 cases already allow
// for (theirs also round each product), so Accum is K and the suite's
// tolerance applies: 1e-6·(10 + K) ≈ 17·2⁻²⁴·(10 + K) relative to
// |want| + rms(want). A float32 sum of K terms errs by at most about
// K·2⁻²⁴·Σ_k |A(i,k)·B(k,j)| when every rounding goes the same way; for
// the suite's random data the roundings have random signs, the error grows
// like √K·2⁻²⁴ times the sum's size, and the margin is wide. A device
// that ignores the flag is off by some 10⁻³ of the sum's size (each
// operand moves by up to 2⁻⁹ of its value), which this tolerance catches
// for K up to about a thousand; bf16Rounding and bf16NotFP32 catch it
// exactly.
func bf16Cases(r *rand.Rand, pick func() int, random int) []KernelCase {
	type shape struct {
		batch, m, n, k int
		transA, transB bool
		bias, acc      bool
		shared         bool // a [batch, m, k] · b [k, n]: a Linear layer on tokens
	}
	product := func(s shape) KernelCase {
		name := fmt.Sprintf("MatMulBF16/B%d_M%d_N%d_K%d_tA%v_tB%v_bias%v", s.batch, s.m, s.n, s.k, s.transA, s.transB, s.bias)
		if s.acc {
			name = fmt.Sprintf("MatMulAccBF16/B%d_M%d_N%d_K%d_tA%v_tB%v", s.batch, s.m, s.n, s.k, s.transA, s.transB)
		}
		if s.shared {
			name += "_shared"
		}
		return KernelCase{Name: name, Accum: s.k, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			sa, sb := []int{s.batch, s.m, s.k}, []int{s.batch, s.k, s.n}
			if s.transA {
				sa = []int{s.batch, s.k, s.m}
			}
			if s.transB {
				sb = []int{s.batch, s.n, s.k}
			}
			if s.shared {
				sb = sb[1:]
			}
			a := tensor.FromSlice(dev, randomFloats(r, numel(sa)), sa...)
			b := tensor.FromSlice(dev, randomFloats(r, numel(sb)), sb...)
			defer a.Release()
			defer b.Release()
			if s.acc {
				out := tensor.FromSlice(dev, randomFloats(r, s.batch*s.m*s.n), s.batch, s.m, s.n)
				tensor.MatMulAccBF16(out, a, b, s.transA, s.transB)
				return []*tensor.Tensor{out}
			}
			var bias *tensor.Tensor
			if s.bias {
				bias = tensor.FromSlice(dev, randomFloats(r, s.n), s.n)
				defer bias.Release()
			}
			return []*tensor.Tensor{tensor.MatMulBF16(a, b, s.transA, s.transB, bias)}
		}}
	}
	var ks []KernelCase
	for _, s := range []shape{
		{batch: 1, m: 1, n: 1, k: 1},
		{batch: 1, m: 3, n: 5, k: 7, bias: true},
		{batch: 1, m: 2, n: 3, k: 4, transA: true, acc: true},
		{batch: 1, m: 63, n: 65, k: 17, transA: true, acc: true},
		{batch: 1, m: 65, n: 63, k: 15, transB: true, bias: true},
		{batch: 1, m: 64, n: 64, k: 16, transA: true, transB: true},
		{batch: 1, m: 65, n: 64, k: 63, transB: true, acc: true},
		{batch: 3, m: 5, n: 7, k: 33, bias: true},
		{batch: 2, m: 65, n: 17, k: 65, transA: true, transB: true, acc: true},
		{batch: 2, m: 9, n: 64, k: 31, transA: true, transB: true, bias: true},
		{batch: 2, m: 33, n: 65, k: 9, transB: true, bias: true, shared: true},
	} {
		ks = append(ks, product(s))
	}
	for range random {
		s := shape{batch: 1 + r.IntN(3), m: pick(), n: pick(), k: pick(), transA: r.IntN(2) == 0, transB: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			s.acc = true
		} else {
			s.bias = r.IntN(2) == 0
		}
		ks = append(ks, product(s))
	}
	return append(ks, bf16Rounding(), bf16NotFP32())
}

// The rounding cases are 70×68 products with K = 17, past a tile edge in
// every direction, so that every device runs them through its real kernel
// (the fast CPU device hands products of M·N·K below 128 to MatMulRef).
const bf16M, bf16N, bf16K = 70, 68, 17

// bf16RoundA and bf16RoundB are the hard cases of RoundBF16, each with what
// it rounds to: ties both ways, a carry into the exponent, a value that
// rounds up to infinity, and a NaN whose payload lies in the low bits alone
// (rounding its bits as a number would make it infinite). Denormals are
// left out: a GPU may flush them to zero.
var (
	bf16RoundA = []float32{
		1 + 1.0/256,                      // halfway between 1 and 1 + 2⁻⁷: down to even, 1
		1 + 3.0/256,                      // halfway: up to even, 1 + 2⁻⁶
		-(1 + 1.0/256 + 1.0/65536),       // past halfway: −(1 + 2⁻⁷), sign kept
		1 + 1.0/(1<<23),                  // the lowest bit alone: 1
		2 - 1.0/256,                      // halfway below 2, odd: carries into the exponent, 2
		math.Float32frombits(0x7f7f8000), // halfway past the largest bfloat16, odd: +Inf
		math.Float32frombits(0x7f800001), // a NaN with its payload in the low bits: NaN
	}
	bf16RoundB = []float32{
		1,
		-(1 + 1.0/512), // below halfway: −1
		0.1,            // 0x3dcccccd: up to 0x3dcd0000 = 0.10009765625
		3 + 1.0/128,    // 2·(1.5 + 2⁻⁸), halfway, even: 3
	}
)

// bf16Rounding checks the rounding itself, element by element. Row i of a
// holds bf16RoundA[i mod 7] at column k = i mod K and zeros elsewhere, and
// every row of b is bf16RoundB repeated, so
//
//	out[i,j] = round(bf16RoundA[i mod 7]) · round(bf16RoundB[j mod 4])
//
// exactly (one exact product and zeros; b is finite, so no 0·Inf), and
// every device must match the reference exactly.
func bf16Rounding() KernelCase {
	return roundingCase("MatMulBF16/rounding", bf16RoundA, bf16RoundB, tensor.RoundToBF16)
}

// roundingCase is the product of bf16Rounding's layout with the hard cases
// ra and rb, rounded as r says.
func roundingCase(name string, ra, rb []float32, r tensor.Rounding) KernelCase {
	return KernelCase{Name: name, Accum: 1, Run: func(dev tensor.Device, _ *rand.Rand) []*tensor.Tensor {
		a, b := make([]float32, bf16M*bf16K), make([]float32, bf16K*bf16N)
		for i := range bf16M {
			a[i*bf16K+i%bf16K] = ra[i%len(ra)]
		}
		for k := range bf16K {
			for j := range bf16N {
				b[k*bf16N+j] = rb[j%len(rb)]
			}
		}
		ta, tb := tensor.FromSlice(dev, a, bf16M, bf16K), tensor.FromSlice(dev, b, bf16K, bf16N)
		defer ta.Release()
		defer tb.Release()
		return []*tensor.Tensor{tensor.MatMulRounded(ta, tb, false, false, nil, r)}
	}}
}

// bf16NotFP32 checks that BF16 changes the result, so that a device that
// ignores the flag fails: it returns MatMulBF16(a, b) − MatMul(a, b) for
// operands ±(1 + m·2⁻⁹) with m odd, whose bit 2⁻⁹ bfloat16 drops (it keeps
// 2⁻¹ … 2⁻⁷). Every number here is exact in float32: operands of 10
// significant bits, products that are multiples of 2⁻¹⁸ below 4, sums of
// K = 16 of them below 64 = 2²⁴·2⁻¹⁸, and the difference of two such sums.
// So the reference's difference, of order 2⁻⁸ per product, must be matched
// exactly; a device computing float32 for both returns 0.
func bf16NotFP32() KernelCase {
	const m, n, k = 65, 33, 16
	return KernelCase{Name: "MatMulBF16/differs_from_fp32", Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
		operand := func(count int) []float32 {
			x := make([]float32, count)
			for i := range x {
				x[i] = float32(1 + float64(2*r.IntN(256)+1)/512)
				if r.IntN(2) == 0 {
					x[i] = -x[i]
				}
			}
			return x
		}
		ta := tensor.FromSlice(dev, operand(m*k), m, k)
		tb := tensor.FromSlice(dev, operand(k*n), k, n)
		bf, fp := tensor.MatMulBF16(ta, tb, false, false, nil), tensor.MatMul(ta, tb, false, false, nil)
		diff := tensor.Sub(bf, fp)
		for _, t := range []*tensor.Tensor{ta, tb, bf, fp} {
			t.Release()
		}
		return []*tensor.Tensor{diff}
	}}
}
