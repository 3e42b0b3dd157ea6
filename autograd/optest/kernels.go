package optest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/tensor"
)

// KernelCases returns the checks of kernels that autodiff does not reach:
// the optimizer, the random generator, and the in-place and accumulating
// forms of the other kernels.
func KernelCases(opts Options) []KernelCase {
	opts = opts.withDefaults()
	r := rand.New(rand.NewPCG(opts.Seed, 2))
	pick := func() int { return opts.Sizes[r.IntN(len(opts.Sizes))] }
	var ks []KernelCase
	random := func(make func() KernelCase) {
		for range opts.Random {
			ks = append(ks, make())
		}
	}

	adamw := func(n int, wd float32) KernelCase {
		return KernelCase{Name: fmt.Sprintf("AdamW/n%d_wd%v", n, wd), Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			p := tensor.FromSlice(dev, randomFloats(r, n), n)
			m, v := tensor.Zeros(dev, n), tensor.Zeros(dev, n)
			for step := 1; step <= 3; step++ {
				g := tensor.FromSlice(dev, randomFloats(r, n), n)
				tensor.AdamW(p, g, m, v, tensor.AdamWArgs{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd, Step: step})
				g.Release()
			}
			return []*tensor.Tensor{p, m, v}
		}}
	}
	ks = append(ks, adamw(1, 0), adamw(7, 0.01), adamw(64, 0.1))
	random(func() KernelCase { return adamw(pick()*pick(), 0.01) })

	ema := func(n int) KernelCase {
		return KernelCase{Name: fmt.Sprintf("EMA/n%d", n), Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			e := tensor.FromSlice(dev, randomFloats(r, n), n)
			for _, decay := range []float32{0.9, 0.9999} {
				p := tensor.FromSlice(dev, randomFloats(r, n), n)
				tensor.EMA(e, p, decay)
				p.Release()
			}
			return []*tensor.Tensor{e}
		}}
	}
	ks = append(ks, ema(1), ema(33))
	random(func() KernelCase { return ema(pick() * pick()) })

	normal := func(n int, offset uint64) KernelCase {
		return KernelCase{Name: fmt.Sprintf("RandNormal/n%d_offset%d", n, offset), Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			rng := tensor.RNG{Seed: r.Uint64(), Offset: offset}
			a := rng.Normal(dev, n)
			b := rng.Normal(dev, 3) // continues the stream
			return []*tensor.Tensor{a, b}
		}}
	}
	ks = append(ks, normal(1, 0), normal(5, 3), normal(1000, 1<<33))
	random(func() KernelCase { return normal(pick()*pick(), uint64(r.IntN(1000))) })

	fill := func(n int) KernelCase {
		return KernelCase{Name: fmt.Sprintf("Fill/n%d", n), Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			return []*tensor.Tensor{tensor.Full(dev, float32(r.NormFloat64()), n)}
		}}
	}
	ks = append(ks, fill(1), fill(65), fill(70001))
	// A zero fill (a gradient's ZeroGrad) over values, large enough to be
	// split over the cores.
	ks = append(ks, KernelCase{Name: "Fill/zero_n70001", Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
		x := tensor.FromSlice(dev, randomFloats(r, 70001), 70001)
		tensor.Fill(x, 0)
		return []*tensor.Tensor{x}
	}})

	scatter := func(rows, d int, idx []int32) KernelCase {
		return KernelCase{Name: fmt.Sprintf("ScatterAdd/R%d_D%d_idx%v", rows, d, idx), Accum: len(idx), Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			table := tensor.FromSlice(dev, randomFloats(r, rows*d), rows, d)
			src := tensor.FromSlice(dev, randomFloats(r, len(idx)*d), len(idx), d)
			ix := tensor.FromInt32(dev, idx, len(idx))
			tensor.ScatterAdd(table, ix, src)
			src.Release()
			ix.Release()
			return []*tensor.Tensor{table}
		}}
	}
	ks = append(ks, scatter(3, 2, []int32{2, 2, 0, 2}), scatter(1, 5, []int32{0}))

	matmulAcc := func(m, n, k int, transA, transB bool) KernelCase {
		return KernelCase{Name: fmt.Sprintf("MatMulAcc/M%d_N%d_K%d_tA%v_tB%v", m, n, k, transA, transB), Accum: k, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			sa, sb := []int{m, k}, []int{k, n}
			if transA {
				sa = []int{k, m}
			}
			if transB {
				sb = []int{n, k}
			}
			out := tensor.FromSlice(dev, randomFloats(r, m*n), m, n)
			a := tensor.FromSlice(dev, randomFloats(r, m*k), sa...)
			b := tensor.FromSlice(dev, randomFloats(r, k*n), sb...)
			tensor.MatMulAcc(out, a, b, transA, transB)
			a.Release()
			b.Release()
			return []*tensor.Tensor{out}
		}}
	}
	ks = append(ks, matmulAcc(3, 4, 5, false, false), matmulAcc(2, 3, 4, true, false))
	random(func() KernelCase { return matmulAcc(pick(), pick(), pick(), r.IntN(2) == 0, r.IntN(2) == 0) })

	// The output of an elementwise kernel may alias its input.
	inPlace := func(op tensor.BinaryOp, a, b []int) KernelCase {
		return KernelCase{Name: fmt.Sprintf("%vInPlace/%v_%v", op, a, b), Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			x := tensor.FromSlice(dev, randomFloats(r, numel(a)), a...)
			y := tensor.FromSlice(dev, randomFloats(r, numel(b)), b...)
			tensor.BinaryInto(op, x, x, y)
			y.Release()
			return []*tensor.Tensor{x}
		}}
	}
	ks = append(ks, inPlace(tensor.OpAdd, []int{4, 5}, []int{4, 5}), inPlace(tensor.OpMul, []int{2, 3, 4}, []int{2, 1, 4}))

	// NaN must survive Max, Min and arithmetic on every device, so that a
	// diverged run shows up instead of being clamped into plausible numbers.
	for _, op := range []tensor.BinaryOp{tensor.OpMax, tensor.OpMin, tensor.OpAdd} {
		ks = append(ks, KernelCase{Name: fmt.Sprintf("%vNaN", op), Accum: 1, Run: func(dev tensor.Device, r *rand.Rand) []*tensor.Tensor {
			nan := float32(math.NaN())
			a := tensor.FromSlice(dev, []float32{nan, 1, nan, -2, 3}, 5)
			b := tensor.FromSlice(dev, []float32{0, nan, nan, -1, 2}, 5)
			out := tensor.Binary(op, a, b)
			a.Release()
			b.Release()
			return []*tensor.Tensor{out}
		}})
	}
	ks = append(ks, bf16Cases(r, pick, opts.Random)...)
	ks = append(ks, bf16AttentionCases(r, pick, opts.Random, opts.MaxHeadDim)...)
	ks = append(ks, fp16Cases(r, pick, opts.Random, opts.MaxHeadDim)...)
	return ks
}
