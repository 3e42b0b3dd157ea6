//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// permutePush mirrors PermutePush in shaders/permute.comp.
type permutePush struct {
	rank  uint32
	count uint32
	shape [tensor.MaxRank]uint32
	perm  [tensor.MaxRank]uint32
}

// Permute records an axis reordering (permute.comp; reference
// tensor.PermuteRef).
func (d *Device) Permute(out, x tensor.Buffer, args tensor.PermuteArgs) {
	push := permutePush{rank: u32(args.Rank), count: 1}
	for a := range args.Rank {
		push.shape[a], push.perm[a] = u32(args.Shape[a]), u32(args.Perm[a])
		push.count *= push.shape[a]
	}
	dispatch(d, "permute", nil, &push, grid1D(int(push.count), 256), 0, out, x)
}
