package fastcpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// bf16Tolerance is how far, relative to the sum of the magnitudes of its
// terms, an element of a BF16 product may be from the exact sum (in
// float64) of the products of the rounded operands, the bias and the old
// value. The products are exact in float32, so the only error is the
// float32 rounding of the additions: a term passes through at most
// K + 1 + ⌈K/kc⌉ ≤ 2K + 2 of them (K − 1 in its kc blocks, one for the bias,
// one for the old value, one per later block; VDPBF16PS's zero pad adds
// nothing), which bounds the error by γₙ = n·u/(1 − n·u) with n = 2K + 2
// and u = 2⁻²⁴ (Higham, "Accuracy and Stability of Numerical Algorithms",
// §4.2). Two kernels that both meet it are within twice it of each other;
// the tests hold the VDPBF16PS kernel and the emulation to the bound
// itself, and to equality.
func bf16Tolerance(k int) float64 {
	n, u := float64(2*k+2), 0x1p-24
	return n * u / (1 - n*u)
}

// TestGemmBF16MatchesReference runs BF16 products on Device.MatMul of
// every instruction set this CPU can run — the emulation, or the VDPBF16PS
// kernel of avx512bf16 — against tensor.MatMulRef with BF16 in float64, at
// the sizes around each kernel's tile and block edges (gemmCases), within
// bf16Tolerance.
//
// Float16 products (gemm_fp16.go) run the same way: the float32 kernel of
// every instruction set on operands rounded to float16 as they are packed.
func TestGemmBF16MatchesReference(t *testing.T) {
	for _, round := range []tensor.Rounding{tensor.RoundToBF16, tensor.RoundToFP16} {
		for _, set := range instructionSets() {
			t.Run(round.String()+"/"+set.name, func(t *testing.T) {
				dev := newDevice(set, 0)
				for _, c := range gemmCases(set.matmulKernel(round)) {
					c.round = round
					checkGemm(t, dev, c)
				}
			})
		}
	}
}

// bf16Operands returns the operands of case c: values in [-1, 1] and, one
// in sixteen, a value that rounding to bfloat16 must treat with care: a
// tie (1 + 2⁻⁸ rounds down to even, 1 + 3·2⁻⁸ up), a value that rounds up
// into the next binade, a denormal, ±0. Without Accumulate out starts as
// NaN.
func bf16Operands(c gemmCase) (a, b, bias, out []float32) {
	r := rand.New(rand.NewPCG(uint64(c.m*1000003+c.n*1009+c.k), uint64(c.batch)+7))
	special := []float32{1 + 0x1p-8, -(1 + 3*0x1p-8), 1.99999, 0x1.fffp-1, 1e-40, -3e-39, 0, float32(math.Copysign(0, -1))}
	random := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.Float64()*2 - 1)
			if r.IntN(16) == 0 {
				x[i] = special[r.IntN(len(special))]
			}
		}
		return x
	}
	a, b = random(c.batch*c.m*c.k), random(c.batch*c.k*c.n)
	if c.bias {
		bias = random(c.n)
	}
	out = random(c.batch * c.m * c.n)
	if !c.accumulate {
		for i := range out {
			out[i] = float32(math.NaN())
		}
	}
	return a, b, bias, out
}

// TestGemmBF16Emulation checks the emulation on the float32 kernel of every
// instruction set: a BF16 product is bit for bit the float32 product of
// operands that were rounded with tensor.RoundBF16 first, at every size of
// gemmCases, because a product of two bfloat16 values is exact in float32.
func TestGemmBF16Emulation(t *testing.T) {
	for _, set := range instructionSets() {
		k := &set.gemm
		t.Run(set.name, func(t *testing.T) {
			for _, c := range gemmCases(k) {
				a, b, bias, out := bf16Operands(c)
				ra, rb := append([]float32(nil), a...), append([]float32(nil), b...)
				roundBF16Go(ra)
				roundBF16Go(rb)
				got, want := append([]float32(nil), out...), append([]float32(nil), out...)
				p := c.args()
				p.Round = tensor.RoundToBF16
				gemm(k, new(gemmScratchCache), got, a, b, bias, p, 2)
				p.Round = tensor.RoundNone
				gemm(k, new(gemmScratchCache), want, ra, rb, bias, p, 2)
				bad := 0
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						if bad++; bad <= 3 {
							t.Errorf("%v: out[%d] = %v (%#08x), the float32 product of the rounded operands gives %v (%#08x)",
								c, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
						}
					}
				}
				if bad > 3 {
					t.Errorf("%v: %d of %d elements differ", c, bad, len(got))
				}
			}
		})
	}
}

// TestGemmBF16PairKernel checks the VDPBF16PS kernel (avx512bf16) against
// the emulation at every size of gemmCases: within bf16Tolerance and, as
// the kernel adds the products of each pair in the emulation's order
// (gemm_bf16.go), equal. The operands hold no denormals here, which
// VDPBF16PS reads as 0; values are compared with ==, so that the +0 a zero
// pad makes of a sum of -0 counts as equal.
func TestGemmBF16PairKernel(t *testing.T) {
	ran := false
	for _, set := range instructionSets() {
		if set.gemmBF16 == nil {
			continue
		}
		ran = true
		t.Run(set.name, func(t *testing.T) {
			for _, c := range gemmCases(set.gemmBF16) {
				c.round = tensor.RoundToBF16
				a, b, bias, out := bf16Operands(c)
				for _, x := range [][]float32{a, b, bias, out} {
					for i, v := range x {
						if v != 0 && math.Abs(float64(v)) < 0x1p-126 {
							x[i] = 0.5
						}
					}
				}
				p := c.args()
				got, emulated := append([]float32(nil), out...), append([]float32(nil), out...)
				gemm(set.gemmBF16, new(gemmScratchCache), got, a, b, bias, p, 2)
				gemm(&set.gemm, new(gemmScratchCache), emulated, a, b, bias, p, 2)

				scale := f64(out) // Σ|terms| per element
				if !c.accumulate {
					clear(scale)
				}
				abs := func(x []float32) []float64 {
					y := f64(x)
					for i, v := range y {
						y[i] = math.Abs(v)
					}
					return y
				}
				for i, v := range scale {
					scale[i] = math.Abs(v)
				}
				tensor.MatMulRef(scale, abs(a), abs(b), abs(bias), nil, p)
				tol := bf16Tolerance(c.k)
				bad := 0
				for i := range got {
					d := math.Abs(float64(got[i]) - float64(emulated[i]))
					if !(d <= tol*scale[i]) || got[i] != emulated[i] {
						if bad++; bad <= 3 {
							t.Errorf("%v: out[%d] = %v, the emulation gives %v (diff %.3g, bound %.3g)", c, i, got[i], emulated[i], d, tol*scale[i])
						}
					}
				}
				if bad > 3 {
					t.Errorf("%v: %d of %d elements differ", c, bad, len(got))
				}
			}
		})
	}
	if !ran {
		t.Skip("this CPU has no AVX512_BF16: no VDPBF16PS kernel to test")
	}
}

// bf16Specials are float32 values that rounding to bfloat16 must treat
// with care: ties either way, carries into the exponent and up to
// infinity, the largest bfloat16, denormals, zeros, infinities and NaNs
// whose payload is all in the low bits (a signalling one) or would carry
// into the exponent if it were rounded like a number.
var bf16Specials = []float32{
	1, 1 + 0x1p-8, 1 + 3*0x1p-8, 1 + 0x1p-8 + 0x1p-16, -(1 + 0x1p-9), 3.14159265, 1.99999,
	math.MaxFloat32, math.Float32frombits(0x7f7f0000), math.Float32frombits(0x7f7f8000),
	1e-40, -1e-40, math.Float32frombits(0x00008000), math.Float32frombits(0x007fffff), 0x1p-126,
	0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7f800001), math.Float32frombits(0x7fffffff), math.Float32frombits(0xffbfffff),
}

// TestRoundBF16Loops checks the emulation's packBF16 of every instruction
// set (the vector loops and their Go tail) against tensor.RoundBF16, bit
// for bit, on bf16Specials and random bit patterns, at every length up to
// 40 (each vector tail).
func TestRoundBF16Loops(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, set := range instructionSets() {
		t.Run(set.name, func(t *testing.T) {
			for n := range 41 {
				for range 20 {
					x := make([]float32, n)
					for i := range x {
						x[i] = math.Float32frombits(r.Uint32())
						if r.IntN(3) == 0 {
							x[i] = bf16Specials[r.IntN(len(bf16Specials))]
						}
					}
					got := append([]float32(nil), x...)
					set.gemm.packBF16(got, n, 1)
					for i, v := range x {
						if want := tensor.RoundBF16(v); math.Float32bits(got[i]) != math.Float32bits(want) {
							t.Fatalf("n=%d: rounding %#08x gives %#08x, tensor.RoundBF16 %#08x", n, math.Float32bits(v), math.Float32bits(got[i]), math.Float32bits(want))
						}
					}
				}
			}
		})
	}
}

// bf16PairsGo is bf16PairsAVX512's contract in Go: word q*w+i of the
// packed block holds step 2q of lane i in its high half and step 2q+1 (0
// past kc) in its low half, each rounded as VCVTNE2PS2BF16 rounds:
// tensor.RoundBF16, but a denormal becomes a zero of its sign.
func bf16PairsGo(block []float32, kc, w int) []uint32 {
	bf16 := func(x float32) uint32 {
		if bits := math.Float32bits(x); bits&0x7f800000 == 0 {
			x = math.Float32frombits(bits & 0x80000000)
		}
		return math.Float32bits(tensor.RoundBF16(x)) >> 16
	}
	packed := make([]uint32, (kc+1)/2*w)
	for q := range (kc + 1) / 2 {
		for i := range w {
			word := bf16(block[2*q*w+i]) << 16
			if 2*q+1 < kc {
				word |= bf16(block[(2*q+1)*w+i])
			}
			packed[q*w+i] = word
		}
	}
	return packed
}

// TestBF16Pairs checks the VDPBF16PS kernel's packBF16, which packs a block
// in place, against bf16PairsGo for odd and even kc and widths around 16
// lanes, on bf16Specials and random values.
func TestBF16Pairs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ran := false
	for _, set := range instructionSets() {
		if set.gemmBF16 == nil {
			continue
		}
		ran = true
		k := set.gemmBF16
		for _, kc := range []int{1, 2, 3, 7, 16, 17, k.kc - 1, k.kc} {
			for _, w := range []int{1, 12, 15, 16, 17, 32, 33} {
				block := make([]float32, kc*w)
				for i := range block {
					block[i] = float32(r.NormFloat64())
					if r.IntN(4) == 0 {
						block[i] = bf16Specials[r.IntN(len(bf16Specials))]
					}
				}
				want := bf16PairsGo(block, kc, w)
				k.packBF16(block, kc, w)
				for i, v := range want {
					if got := math.Float32bits(block[i]); got != v {
						t.Fatalf("%s kc=%d w=%d: word %d (pair %d, lane %d) = %#08x, want %#08x", set.name, kc, w, i, i/w, i%w, got, v)
					}
				}
			}
		}
	}
	if !ran {
		t.Skip("this CPU has no AVX512_BF16: no VDPBF16PS kernel to test")
	}
}
