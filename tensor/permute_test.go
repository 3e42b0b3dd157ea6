package tensor_test

import (
	"slices"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

func TestPermute(t *testing.T) {
	dev := tensor.NewCPU()
	// The transpose of [0 1 2; 3 4 5] is [0 3; 1 4; 2 5].
	wantTensor(t, "Permute(1,0)", tensor.Permute(arange(dev, 2, 3), 1, 0), []int{3, 2}, []float64{0, 3, 1, 4, 2, 5}, 0)

	// x[i,j,k] = 12i + 4j + k of shape [2,3,4]; Permute(2,0,1) gives
	// out[k,i,j] = x[i,j,k], so row k of out holds 12i + 4j + k for i, j
	// in row-major order: [0 4 8 12 16 20] + k.
	wantTensor(t, "Permute(2,0,1)", tensor.Permute(arange(dev, 2, 3, 4), 2, 0, 1), []int{4, 2, 3}, []float64{
		0, 4, 8, 12, 16, 20,
		1, 5, 9, 13, 17, 21,
		2, 6, 10, 14, 18, 22,
		3, 7, 11, 15, 19, 23,
	}, 0)

	// The identity permutation copies; InversePerm undoes a permutation.
	wantTensor(t, "Permute(0,1,2)", tensor.Permute(arange(dev, 2, 3, 4), 0, 1, 2), []int{2, 3, 4}, ints(24), 0)
	perm := []int{2, 0, 1}
	inv := tensor.InversePerm(perm)
	if want := []int{1, 2, 0}; !slices.Equal(inv, want) {
		t.Errorf("InversePerm(%v) = %v, want %v", perm, inv, want)
	}
	back := tensor.Permute(tensor.Permute(arange(dev, 2, 3, 4), perm...), inv...)
	wantTensor(t, "Permute(Permute(x, perm), inverse)", back, []int{2, 3, 4}, ints(24), 0)
}

// Patchify of the [1, 2, 4, 4] arange image x[c,h,w] = 16c + 4h + w with
// P = 2. PatchifyLayout puts the four patches in row-major order and lays
// each out (channel, row, col), so token (pr, pc) holds
// x[c, 2pr+r, 2pc+q] = 16c + 4(2pr+r) + 2pc + q for c, r, q in that order.
func TestPatchify(t *testing.T) {
	dev := tensor.NewCPU()
	wantTensor(t, "Patchify", tensor.Patchify(arange(dev, 1, 2, 4, 4), 2), []int{1, 4, 8}, []float64{
		0, 1, 4, 5, 16, 17, 20, 21, // patch (0,0): channel 0 rows 0-1 cols 0-1, then channel 1
		2, 3, 6, 7, 18, 19, 22, 23, // patch (0,1): cols 2-3
		8, 9, 12, 13, 24, 25, 28, 29, // patch (1,0): rows 2-3
		10, 11, 14, 15, 26, 27, 30, 31, // patch (1,1)
	}, 0)
}

// Unpatchify of arange tokens [1, 4, 8] into a [1, 2, 4, 4] image, P = 2,
// C = 2. UnpatchifyLayout reads each token (row, col, channel) with the
// channel fastest, so element e = (2r + q)·2 + c of token t = 2pr + pc,
// whose value is 8t + e, lands at image[c, 2pr+r, 2pc+q].
func TestUnpatchify(t *testing.T) {
	dev := tensor.NewCPU()
	wantTensor(t, "Unpatchify", tensor.Unpatchify(arange(dev, 1, 4, 8), 2, 2, 4, 4), []int{1, 2, 4, 4}, []float64{
		// channel 0: even values
		0, 2, 8, 10,
		4, 6, 12, 14,
		16, 18, 24, 26,
		20, 22, 28, 30,
		// channel 1: the same plus 1
		1, 3, 9, 11,
		5, 7, 13, 15,
		17, 19, 25, 27,
		21, 23, 29, 31,
	}, 0)
}

// With one channel the two token layouts agree, so Unpatchify undoes
// Patchify. With several they differ ((c, r, q) against (r, q, c)), but the
// Inverse of a layout always undoes it.
func TestPatchifyRoundTrips(t *testing.T) {
	dev := tensor.NewCPU()
	x := arange(dev, 2, 1, 4, 6)
	tokens := tensor.Patchify(x, 2) // [2, 6, 4]
	wantTensor(t, "Unpatchify(Patchify(x)), C=1", tensor.Unpatchify(tokens, 2, 1, 4, 6), []int{2, 1, 4, 6}, ints(48), 0)

	x3 := arange(dev, 2, 3, 4, 6)
	l := tensor.PatchifyLayout(x3.Shape(), 2)
	back := tensor.Rearrange(tensor.Rearrange(x3, l), l.Inverse(x3.Shape()))
	wantTensor(t, "Inverse(Patchify)(Patchify(x)), C=3", back, []int{2, 3, 4, 6}, ints(144), 0)

	// Unpatchify(Patchify(x)) with C = 2 is not x: from TestPatchify, token 0 is
	// [0 1 4 5 16 17 20 21], which Unpatchify reads as (r, q, c), putting
	// value 1 (element 1: r=0, q=0, c=1) at image[1, 0, 0].
	img := tensor.Unpatchify(tensor.Patchify(arange(dev, 1, 2, 4, 4), 2), 2, 2, 4, 4).Data()
	if img[16] != 1 {
		t.Errorf("Unpatchify(Patchify(x))[1,0,0] = %v, want 1", img[16])
	}
}

// SplitQKV views [B, T, 3·H·Dh] as [B, T, 3, H, Dh] and moves the part
// axis first and H before T: out[p,b,h,t,d] = x[b,t,(p·H+h)·Dh+d]. For
// arange x of shape [1, 2, 6] (so x[t,e] = 6t + e), 1 head of Dh = 2:
// out[p,0,0,t,d] = 6t + 2p + d. MergeHeads swaps H and T back.
func TestSplitQKVMergeHeads(t *testing.T) {
	dev := tensor.NewCPU()
	x := arange(dev, 1, 2, 6)
	qkv := tensor.SplitQKV(x, 1)
	wantTensor(t, "SplitQKV", qkv, []int{3, 1, 1, 2, 2}, []float64{
		0, 1, 6, 7, // q: tokens 0 and 1
		2, 3, 8, 9, // k
		4, 5, 10, 11, // v
	}, 0)

	// Two heads of Dh = 1 in a [1, 2, 6]: out[p,0,h,t,0] = 6t + 2p + h.
	wantTensor(t, "SplitQKV, 2 heads", tensor.SplitQKV(x, 2), []int{3, 1, 2, 2, 1}, []float64{
		0, 6, 1, 7, // q: head 0 tokens 0 and 1, head 1 tokens 0 and 1
		2, 8, 3, 9, // k
		4, 10, 5, 11, // v
	}, 0)

	// MergeHeads of [B=1, H=3, T=2, Dh=2]: out[t, h·2+d] = x[h,t,d] = 4h + 2t + d.
	wantTensor(t, "MergeHeads", tensor.MergeHeads(arange(dev, 1, 3, 2, 2)), []int{1, 2, 6}, []float64{
		0, 1, 4, 5, 8, 9,
		2, 3, 6, 7, 10, 11,
	}, 0)
}
