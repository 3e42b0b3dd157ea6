package optest

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// dropoutCases returns the cases of Dropout: stretches of the stream that
// start and end inside a Philox block and on its edges, one long enough to
// be split over the cores, probabilities from 0.1 to 0.9, then random
// ones, from a stream of their own (as groupNormCases).
func dropoutCases(opts Options) []Case {
	r := rand.New(rand.NewPCG(opts.Seed, 19))
	pick := func() int { return opts.Sizes[r.IntN(len(opts.Sizes))] }
	cs := []Case{
		dropoutCase([]int{1}, 0.5, 0),
		dropoutCase([]int{3}, 0.5, 1),    // inside one block
		dropoutCase([]int{2, 5}, 0.1, 3), // from a block's last word across two
		dropoutCase([]int{4, 4}, 0.9, 8), // whole blocks
		dropoutCase([]int{3, 5, 7}, 0.3, 1<<33+2),
		dropoutCase([]int{5000}, 0.25, 6), // the fast device splits it
	}
	for range opts.Random {
		cs = append(cs, dropoutCase([]int{1 + r.IntN(3), pick(), pick()}, []float64{0.1, 0.5, 0.8}[r.IntN(3)], uint64(r.IntN(64))))
	}
	return cs
}

func dropoutCase(x []int, p float64, offset uint64) Case {
	return Case{Name: fmt.Sprintf("Dropout/%v_p%v_offset%d", x, p, offset), Inputs: []Input{{Shape: x}}, Accum: 1,
		Build: func(g *autograd.Graph, in Vars, _ *tensor.Tensor) *autograd.Var {
			g.UseRNG(&tensor.RNG{Seed: 0x64726f70, Offset: offset})
			return g.Dropout(in[0], p)
		}}
}
