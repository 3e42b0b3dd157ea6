package optest

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// upsampleCases returns the cases of Upsample2x: table shapes with sizes of
// 1 and odd sizes, then random ones, from a stream of their own (as
// groupNormCases).
func upsampleCases(opts Options) []Case {
	r := rand.New(rand.NewPCG(opts.Seed, 17))
	pick := func() int { return opts.Sizes[r.IntN(len(opts.Sizes))] }
	cs := []Case{
		upsampleCase([]int{2, 3, 4, 5}),
		upsampleCase([]int{1, 1, 1, 1}),
		upsampleCase([]int{1, 2, 3, 1}),
		upsampleCase([]int{3, 7}), // [H, W] alone
	}
	for range opts.Random {
		cs = append(cs, upsampleCase([]int{1 + r.IntN(2), 1 + r.IntN(3), pick(), pick()}))
	}
	return cs
}

func upsampleCase(x []int) Case {
	return Case{Name: fmt.Sprintf("Upsample2x/%v", x), Inputs: []Input{{Shape: x}}, Accum: 4,
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var { return g.Upsample2x(in[0]) }}
}
