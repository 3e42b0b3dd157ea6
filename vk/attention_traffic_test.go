//go:build cgo

package vk

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// The bytes the counters give attention: each (batch, head) pair streams
// the other side's rows once per workgroup of BR rows, ⌈T/BR⌉ times, as
// worked out by hand for DiT-S/2 at batch 32 (B·H = 192 pairs, T = 256,
// four workgroups) and one more token (five).
func TestAttentionStreamed(t *testing.T) {
	tiles := attentionTiles{br: 64, bc: 28, maxDh: 64}
	for _, c := range []struct {
		T    int
		want float64
	}{{256, 192 * 4 * 256 * 128}, {257, 192 * 5 * 257 * 128}, {1, 192 * 1 * 1 * 128}} {
		a := tensor.AttentionArgs{B: 32, H: 6, T: c.T, Dh: 64}
		if got := tiles.streamed(a, 2*a.Dh); got != c.want {
			t.Errorf("T = %d: %g floats streamed, want %g", c.T, got, c.want)
		}
	}
}
