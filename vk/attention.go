//go:build cgo

package vk

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// attentionPush mirrors AttentionPush in shaders/attention.comp (and
// AttentionBackwardPush in attention_backward.comp, which has the same
// fields).
type attentionPush struct {
	B, H, T, Dh uint32
	scale       float32
}

// attentionMaxDh is the largest head dimension the attention shaders keep
// in registers (MAX_DH in the shaders). DiT uses 64 and 72.
const attentionMaxDh = 128

// Attention records fused softmax attention (attention.comp; reference
// tensor.AttentionRef) over the packed qkv: one invocation per query row,
// online softmax over the keys. BF16 is the shader's specialization
// constant 0.
func (d *Device) Attention(out, lse, qkv tensor.Buffer, a tensor.AttentionArgs) {
	if !d.attentionFits(a) {
		return
	}
	push := attentionPush{B: u32(a.B), H: u32(a.H), T: u32(a.T), Dh: u32(a.Dh), scale: a.Scale}
	dispatch(d, "attention", []uint32{b2u(a.BF16)}, &push, grid1D(a.B*a.H*a.T, 64), attentionFLOPs(a, 4), out, lse, qkv)
}

// attentionFits records an error for a head dimension the shaders cannot
// hold.
func (d *Device) attentionFits(a tensor.AttentionArgs) bool {
	if a.Dh <= attentionMaxDh {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail(fmt.Errorf("vk: attention head dimension %d exceeds the shaders' limit of %d; use more heads", a.Dh, attentionMaxDh))
	return false
}

// attentionFLOPs is the FLOPs of perPair·Dh + 5 per (query, key)
// pair of every (batch, head) — the dot products of a pass (the forward
// pass does q·k and p·v: 4·Dh) and the softmax's few.
func attentionFLOPs(a tensor.AttentionArgs, perPair int) float64 {
	return float64(a.B*a.H*a.T*a.T) * float64(perPair*a.Dh+5)
}
