package optest

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Vars is shorthand for the inputs handed to a case's Build.
type Vars = []*autograd.Var

// Cases returns the autograd op cases: for every op, table cases with fixed
// shapes, then opts.Random cases with shapes drawn from opts.Sizes.
func Cases(opts Options) []Case {
	opts = opts.withDefaults()
	r := rand.New(rand.NewPCG(opts.Seed, 1))
	pick := func() int { return opts.Sizes[r.IntN(len(opts.Sizes))] }
	small := func() int { return 1 + r.IntN(3) }
	var cs []Case
	random := func(make func() Case) {
		for range opts.Random {
			cs = append(cs, make())
		}
	}

	// Elementwise and broadcast.
	binary := []struct {
		op    tensor.BinaryOp
		build func(g *autograd.Graph, a, b *autograd.Var) *autograd.Var
	}{
		{tensor.OpAdd, (*autograd.Graph).Add},
		{tensor.OpSub, (*autograd.Graph).Sub},
		{tensor.OpMul, (*autograd.Graph).Mul},
		{tensor.OpDiv, (*autograd.Graph).Div},
		{tensor.OpMax, (*autograd.Graph).Max},
		{tensor.OpMin, (*autograd.Graph).Min},
	}
	for _, op := range binary {
		for _, s := range [][2][]int{
			{{3, 5}, {3, 5}},             // same shape
			{{4, 7}, {7}},                // bias over rows
			{{2, 3, 4}, {2, 1, 4}},       // per-sample vector over tokens
			{{2, 3, 4}, {3, 4}},          // table over the batch
			{{3, 4}, {}},                 // scalar
			{{2, 1, 3, 4}, {2, 1, 1, 4}}, // size-1 axes inside the broadcast run
			{{3, 600}, {3, 1}},           // one value a sample over a long row
		} {
			cs = append(cs, binaryCase(op.op, op.build, s[0], s[1]))
		}
		random(func() Case {
			a := []int{pick(), pick(), pick()}
			b := [][]int{{a[0], a[1], a[2]}, {a[0], 1, a[2]}, {a[1], a[2]}, {a[2]}}[r.IntN(4)]
			return binaryCase(op.op, op.build, a, b)
		})
	}
	scale := func(s []int) Case {
		return Case{Name: fmt.Sprintf("Scale/%v", s), Inputs: []Input{{Shape: s}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.Scale(in[0], -1.75) }}
	}
	cs = append(cs, scale([]int{2, 3}))
	random(func() Case { return scale([]int{pick(), pick()}) })

	gated := func(b, t, d int) Case {
		return Case{Name: fmt.Sprintf("GatedResidual/B%d_T%d_D%d", b, t, d),
			Inputs: []Input{{Shape: []int{b, t, d}}, {Shape: []int{b, d}}, {Shape: []int{b, t, d}}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
				return g.GatedResidual(in[0], in[1], in[2])
			},
			Accum: t}
	}
	cs = append(cs, gated(2, 3, 4), gated(1, 1, 1))
	random(func() Case { return gated(small(), pick(), pick()) })

	unary := []struct {
		name     string
		build    func(*autograd.Graph, *autograd.Var) *autograd.Var
		positive bool
	}{
		{"SiLU", (*autograd.Graph).SiLU, false},
		{"GELU", (*autograd.Graph).GELU, false},
		{"Exp", (*autograd.Graph).Exp, false},
		{"Log", (*autograd.Graph).Log, true},
		{"Tanh", (*autograd.Graph).Tanh, false},
	}
	for _, u := range unary {
		mk := func(s []int) Case {
			return Case{Name: fmt.Sprintf("%s/%v", u.name, s), Inputs: []Input{{Shape: s, Positive: u.positive}},
				Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return u.build(g, in[0]) }}
		}
		cs = append(cs, mk([]int{4, 5}), mk([]int{1}))
		random(func() Case { return mk([]int{pick(), pick()}) })
	}

	// Matrix products.
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		cs = append(cs, matmulCase(nil, 3, 4, 5, tr[0], tr[1]), matmulCase([]int{2}, 1, 1, 1, tr[0], tr[1]))
		random(func() Case { return matmulCase(nil, pick(), pick(), pick(), tr[0], tr[1]) })
		random(func() Case { return matmulCase([]int{small(), small()}, pick(), pick(), pick(), tr[0], tr[1]) })
	}
	cs = append(cs, linearCase([]int{2, 3}, 4, 5, true), linearCase([]int{6}, 3, 2, false), linearCase([]int{1, 1}, 1, 1, true))
	random(func() Case { return linearCase([]int{small(), pick()}, pick(), pick(), r.IntN(2) == 0) })

	// Reductions.
	sum := func(s []int, axes ...int) Case {
		return Case{Name: fmt.Sprintf("Sum/%v_axes%v", s, axes), Inputs: []Input{{Shape: s}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.Sum(in[0], axes...) },
			Accum: numel(s)}
	}
	cs = append(cs, sum([]int{3, 4, 5}, 0), sum([]int{3, 4, 5}, 1), sum([]int{3, 4, 5}, 2, 1), sum([]int{3, 4, 5}, -1), sum([]int{7}, 0))
	random(func() Case { return sum([]int{pick(), pick(), pick()}, r.IntN(3)) })
	for _, s := range [][]int{{3, 4}, {1}, {5, 1, 7}} {
		cs = append(cs,
			Case{Name: fmt.Sprintf("SumAll/%v", s), Inputs: []Input{{Shape: s}}, Accum: numel(s),
				Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.SumAll(in[0]) }},
			Case{Name: fmt.Sprintf("Mean/%v", s), Inputs: []Input{{Shape: s}}, Accum: numel(s),
				Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.Mean(in[0]) }})
	}

	// Data movement.
	permute := func(s []int, perm ...int) Case {
		return Case{Name: fmt.Sprintf("Permute/%v_%v", s, perm), Inputs: []Input{{Shape: s}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.Permute(in[0], perm...) }}
	}
	cs = append(cs, permute([]int{3, 4}, 1, 0), permute([]int{2, 3, 4}, 2, 0, 1), permute([]int{2, 3, 4, 5}, 0, 2, 1, 3),
		permute([]int{2, 1, 3, 2, 2, 3}, 5, 3, 1, 0, 2, 4),
		// Past the fast device's parallel threshold (2¹⁵ floats), with
		// the last axis kept (rows copied whole) and swapped with the
		// one before (a tiled transpose).
		permute([]int{6, 41, 7, 20}, 2, 0, 1, 3), permute([]int{3, 70, 170}, 0, 2, 1))
	random(func() Case { return permute([]int{small(), pick(), pick()}, r.Perm(3)...) })

	patchify := func(b, c, hp, wp, p int) Case {
		return Case{Name: fmt.Sprintf("Patchify/B%d_C%d_%dx%d_P%d", b, c, hp*p, wp*p, p), Inputs: []Input{{Shape: []int{b, c, hp * p, wp * p}}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.Patchify(in[0], p) }}
	}
	unpatchify := func(b, c, hp, wp, p int) Case {
		return Case{Name: fmt.Sprintf("Unpatchify/B%d_C%d_%dx%d_P%d", b, c, hp*p, wp*p, p), Inputs: []Input{{Shape: []int{b, hp * wp, p * p * c}}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
				return g.Unpatchify(in[0], p, c, hp*p, wp*p)
			}}
	}
	cs = append(cs, patchify(2, 3, 2, 3, 2), patchify(1, 1, 2, 2, 4), patchify(1, 4, 1, 1, 1),
		unpatchify(2, 3, 2, 3, 2), unpatchify(1, 1, 2, 2, 4), unpatchify(1, 8, 1, 1, 1))
	random(func() Case { return patchify(small(), small(), small(), small(), []int{1, 2, 4}[r.IntN(3)]) })
	random(func() Case { return unpatchify(small(), small(), small(), small(), []int{1, 2, 4}[r.IntN(3)]) })

	heads := func(b, t, h, dh int) Case {
		return Case{Name: fmt.Sprintf("SplitQKVMergeHeads/B%d_T%d_H%d_Dh%d", b, t, h, dh), Inputs: []Input{{Shape: []int{b, t, 3 * h * dh}}, {Shape: []int{3, b, h, t, dh}}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
				// Split one input, scale it by the other, and merge the
				// heads back, so that both layouts and both inputs get a
				// gradient.
				split := g.Mul(g.SplitQKV(in[0], h), in[1])          // [3, B, H, T, Dh]
				return g.MergeHeads(g.Reshape(split, 3*b, h, t, dh)) // [3·B, T, H·Dh]
			}}
	}
	cs = append(cs, heads(2, 3, 2, 4), heads(1, 1, 1, 1), heads(3, 37, 3, 40)) // the last past the parallel threshold
	random(func() Case { return heads(small(), pick(), small(), pick()) })

	concat := func(axis int, shapes ...[]int) Case {
		in := make([]Input, len(shapes))
		for i, s := range shapes {
			in[i] = Input{Shape: s}
		}
		return Case{Name: fmt.Sprintf("Concat/axis%d_%v", axis, shapes), Inputs: in,
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.Concat(axis, in...) }}
	}
	cs = append(cs, concat(0, []int{2, 3}, []int{1, 3}, []int{4, 3}), concat(1, []int{2, 1, 4}, []int{2, 3, 4}), concat(-1, []int{5}, []int{1}))
	// Copies past the fast device's parallel threshold (2¹⁵ floats), one
	// block (axis 0) and many.
	cs = append(cs, concat(0, []int{40, 1000}, []int{3, 1000}), concat(1, []int{8, 5000}, []int{8, 3000}))
	random(func() Case { n := pick(); return concat(1, []int{n, pick()}, []int{n, pick()}) })

	chunk := func(s []int, n, axis int, use []int) Case {
		return Case{Name: fmt.Sprintf("Chunk/%v_%dparts_axis%d_use%v", s, n, axis, use), Inputs: []Input{{Shape: s}},
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
				parts := g.Chunk(in[0], n, axis)
				out := parts[use[0]]
				for _, u := range use[1:] {
					out = g.Mul(out, parts[u]) // products, so each part's gradient differs
				}
				return out
			}}
	}
	cs = append(cs, chunk([]int{2, 12}, 6, 1, []int{0, 1, 2, 3, 4, 5}), chunk([]int{2, 12}, 6, -1, []int{3, 1}),
		chunk([]int{4, 3}, 2, 0, []int{1}), chunk([]int{3, 2, 5}, 3, 0, []int{2, 0, 2}))
	random(func() Case { return chunk([]int{pick(), 6 * small()}, 6, 1, []int{r.IntN(6), r.IntN(6)}) })

	gather := func(rows, d int, idx []int32) Case {
		return Case{Name: fmt.Sprintf("Gather/R%d_D%d_idx%v", rows, d, idx), Inputs: []Input{{Shape: []int{rows, d}}}, Ints: idx,
			Build: func(g *autograd.Graph, in Vars, idx *tensor.Tensor) *autograd.Var { return g.Gather(in[0], idx) },
			Accum: len(idx)}
	}
	cs = append(cs, gather(5, 3, []int32{4, 0, 4, 2}), gather(1, 1, []int32{0, 0, 0}), gather(11, 4, []int32{10}))
	random(func() Case {
		rows, n := pick(), pick()
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(r.IntN(rows))
		}
		return gather(rows, pick(), idx)
	})

	// The fused kernels.
	layerNorm := func(b, t, d int, shift, scale bool) Case {
		in := []Input{{Shape: []int{b, t, d}}, {Shape: []int{b, d}}, {Shape: []int{b, d}}}
		return Case{Name: fmt.Sprintf("LayerNormModulate/B%d_T%d_D%d_shift%v_scale%v", b, t, d, shift, scale), Inputs: in, Accum: d * t,
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
				var sh, sc *autograd.Var
				if shift {
					sh = in[1]
				}
				if scale {
					sc = in[2]
				}
				return g.LayerNormModulate(in[0], sh, sc)
			}}
	}
	cs = append(cs, layerNorm(2, 3, 8, true, true), layerNorm(1, 1, 3, true, true), layerNorm(2, 4, 5, false, false),
		layerNorm(1, 3, 7, false, true), layerNorm(3, 2, 4, true, false))
	random(func() Case { return layerNorm(small(), pick(), 2+pick(), true, true) })
	cs = append(append(append(cs, groupNormCases(opts)...), upsampleCases(opts)...), dropoutCases(opts)...)

	attention := func(b, h, t, dh int) Case {
		return Case{Name: fmt.Sprintf("Attention/B%d_H%d_T%d_Dh%d", b, h, t, dh), Inputs: []Input{{Shape: []int{3, b, h, t, dh}}}, // q, k, v packed
			Accum: t * dh,
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
				return g.Attention(in[0])
			}}
	}
	cs = append(cs, attention(1, 1, 1, 1), attention(2, 3, 5, 4), attention(1, 2, 17, 8), attention(1, 1, 9, 64))
	random(func() Case {
		dh := pick()
		if opts.MaxHeadDim > 0 {
			dh = min(dh, opts.MaxHeadDim)
		}
		return attention(small(), small(), pick(), dh)
	})

	// The MLP with its GELU in the products' epilogues (tensor.Epilogue):
	// x [.., in] with the weights and biases of Linear(in, hidden) and
	// Linear(hidden, out), biases optional.
	mlp := func(b, t, in, hidden, nOut int, bias bool) Case {
		inputs := []Input{{Shape: []int{b, t, in}}, {Shape: []int{hidden, in}}, {Shape: []int{hidden}}, {Shape: []int{nOut, hidden}}, {Shape: []int{nOut}}}
		return Case{Name: fmt.Sprintf("MLP/B%d_T%d_in%d_hidden%d_out%d_bias%v", b, t, in, hidden, nOut, bias), Inputs: inputs, Accum: in + hidden,
			Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
				b1, b2 := in[2], in[4]
				if !bias {
					b1, b2 = nil, nil
				}
				return g.MLP(in[0], in[1], b1, in[3], b2)
			}}
	}
	cs = append(cs, mlp(1, 1, 1, 1, 1, true), mlp(2, 3, 5, 20, 5, true), mlp(1, 7, 16, 65, 9, false), mlp(2, 33, 17, 64, 17, true))
	random(func() Case { return mlp(small(), pick(), pick(), pick(), pick(), true) })

	cs = append(cs, convCases(r, pick, opts.Random)...)

	// Graphs where one Var feeds several ops, which is where gradient
	// accumulation goes wrong if it is going to.
	cs = append(cs, Case{Name: "Reuse/x·x+x", Inputs: []Input{{Shape: []int{3, 4}}},
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
			return g.Add(g.Mul(in[0], in[0]), in[0])
		}})
	cs = append(cs, miniBlockCase(2, 5, 8, 2))
	return cs
}

func binaryCase(op tensor.BinaryOp, build func(*autograd.Graph, *autograd.Var, *autograd.Var) *autograd.Var, a, b []int) Case {
	return Case{Name: fmt.Sprintf("%v/%v_%v", op, a, b), Inputs: []Input{{Shape: a}, {Shape: b, Positive: op == tensor.OpDiv}},
		Accum: numel(a) / max(numel(b), 1),
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return build(g, in[0], in[1]) }}
}

func matmulCase(batch []int, m, n, k int, transA, transB bool) Case {
	a, b := append(append([]int{}, batch...), m, k), append(append([]int{}, batch...), k, n)
	if transA {
		a[len(a)-2], a[len(a)-1] = k, m
	}
	if transB {
		b[len(b)-2], b[len(b)-1] = n, k
	}
	return Case{Name: fmt.Sprintf("MatMul/batch%v_M%d_N%d_K%d_tA%v_tB%v", batch, m, n, k, transA, transB),
		Inputs: []Input{{Shape: a}, {Shape: b}}, Accum: max(m, n, k) * max(numel(batch), 1),
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
			return g.MatMul(in[0], in[1], transA, transB)
		}}
}

func linearCase(lead []int, in, out int, bias bool) Case {
	x := append(append([]int{}, lead...), in)
	inputs := []Input{{Shape: x}, {Shape: []int{out, in}}}
	if bias {
		inputs = append(inputs, Input{Shape: []int{out}})
	}
	return Case{Name: fmt.Sprintf("Linear/x%v_out%d_bias%v", x, out, bias), Inputs: inputs, Accum: max(in, out, numel(lead)),
		Build: func(g *autograd.Graph, v Vars, _ *tensor.Tensor) *autograd.Var {
			var b *autograd.Var
			if bias {
				b = v[2]
			}
			return g.Linear(v[0], v[1], b)
		}}
}

// miniBlockCase is an adaLN-Zero transformer block in miniature, built from
// the ops above, so that the suite also checks them working together:
// modulation from a condition vector, LayerNormModulate, attention over
// split heads, a GELU MLP and two gated residuals.
func miniBlockCase(b, t, d, h int) Case {
	// Accum: the block chains about fifteen ops, and its unscaled N(0, 1)
	// weights make the softmax peaky, which amplifies float32 rounding in
	// attention's backward pass; 4·T·D bounds what float32 devices reach
	// (measured up to 6e-5 relative on the fast CPU device).
	return Case{Name: fmt.Sprintf("MiniBlock/B%d_T%d_D%d_H%d", b, t, d, h), Accum: 4 * t * d,
		Inputs: []Input{
			{Shape: []int{b, t, d}},  // x
			{Shape: []int{b, d}},     // c
			{Shape: []int{6 * d, d}}, // adaLN weight
			{Shape: []int{3 * d, d}}, // qkv weight
			{Shape: []int{3 * d}},    // qkv bias
			{Shape: []int{d, d}},     // proj weight
			{Shape: []int{2 * d, d}}, // fc1 weight
			{Shape: []int{d, 2 * d}}, // fc2 weight
		},
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
			x, c := in[0], in[1]
			mod := g.Chunk(g.Linear(g.SiLU(c), in[2], nil), 6, 1)                                // 6 × [B, D]
			qkv := g.SplitQKV(g.Linear(g.LayerNormModulate(x, mod[0], mod[1]), in[3], in[4]), h) // [3, B, H, T, Dh]
			att := g.Attention(qkv)
			x = g.GatedResidual(x, mod[2], g.Linear(g.MergeHeads(att), in[5], nil))
			mlp := g.Linear(g.GELU(g.Linear(g.LayerNormModulate(x, mod[3], mod[4]), in[6], nil)), in[7], nil)
			return g.GatedResidual(x, mod[5], mlp)
		}}
}
