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

// attentionMaxDh is the longest head the attention launchers accept: the
// longest the tests cover. DiT uses 64 and 72; the Stable Diffusion VAE's
// single-head attention 512.
const attentionMaxDh = 512

// lavapipeLoopBudget is the loop iterations Mesa's lavapipe lets one
// invocation run before it ends its loops, silently (attention.glsl).
const lavapipeLoopBudget = 65535

// loopIterations bounds the loop iterations one invocation of the
// attention shaders runs for a (the most of any pass): the walks over the
// other side's rows, KSTEP at a time, each with two walks over d of STEP
// elements (and in a rounded mode the forward pass's first walk, with one),
// the tiles' loads, and the loops over its own row.
func (t attentionTiles) loopIterations(a tensor.AttentionArgs) int {
	ceil := func(n, d int) int { return (n + d - 1) / d }
	groups, steps := ceil(a.T, attentionKStep), ceil(a.Dh, attentionStep)
	perTile := ceil(ceil(t.bc, attentionKStep)*attentionKStep*t.maxDh, 4*t.br) // TILE_LOAD = 4
	loads := ceil(a.T, t.bc) * (perTile + 1)
	n := groups*(1+2*steps) + loads
	if a.Round != tensor.RoundNone { // the forward pass's first walk: scores only
		n += groups*(1+steps) + loads
	}
	return n + 4*t.maxDh
}

// attentionTiles are the tile sizes of flash attention on one device for
// one head dimension: the specialization constants 0…2 of attention.comp
// and attention_backward.comp (shaders/attention.glsl).
type attentionTiles struct {
	br    int // rows a workgroup owns (its size)
	bc    int // rows of a tile
	maxDh int // the head length the registers and tiles hold
}

// Tile sizes: BR is 64 on every device (two NVIDIA warps, eight lavapipe
// subgroups); BC is the most rows, up to 64 and a multiple of KSTEP, whose
// two tiles and two per-row floats (lse and delta, in the backward pass)
// fit in the device's shared memory; MAX_DH is Dh rounded up to STEP, so a
// head of 72 does not pay for 128.
const (
	attentionBR    = 64
	attentionMaxBC = 64
	attentionKStep = 4 // KSTEP in attention.glsl
	attentionStep  = 8 // STEP in attention.glsl
)

// tilesFor picks the tiles for head dimension dh from the device's shared
// memory: 48 KiB on NVIDIA gives BC = 44 for Dh = 128 and 64 for Dh ≤ 88;
// lavapipe's 32 KiB gives 28 and 60 for Dh = 64.
func (l limits) tilesFor(dh int) attentionTiles {
	maxDh := (dh + attentionStep - 1) / attentionStep * attentionStep
	perRow := (2*maxDh + 2) * 4 // bytes of shared memory per tile row
	bc := min(int(l.maxComputeSharedMemory)/perRow, attentionMaxBC) / attentionKStep * attentionKStep
	return attentionTiles{br: attentionBR, bc: bc, maxDh: maxDh}
}

// spec is the tiles as specialization constants 0…2, followed by more.
func (t attentionTiles) spec(more ...uint32) []uint32 {
	return append([]uint32{u32(t.br), u32(t.bc), u32(t.maxDh)}, more...)
}

// grid is the dispatch of every attention pass: ⌈T/BR⌉ workgroups of rows
// for each (batch, head) pair, the pairs walked by the shader past 65535.
func (t attentionTiles) grid(a tensor.AttentionArgs) [3]uint32 {
	return [3]uint32{u32((a.T + t.br - 1) / t.br), u32(min(a.B*a.H, 65535)), 1}
}

// streamed is the floats one pass moves when it streams n floats a row of
// the other side through tiles: each workgroup of BR rows reads all T of
// them, so every (batch, head) reads them ⌈T/BR⌉ times.
func (t attentionTiles) streamed(a tensor.AttentionArgs, n int) float64 {
	return float64(a.B*a.H*((a.T+t.br-1)/t.br)) * float64(a.T*n)
}

// Attention records fused softmax attention (attention.comp; reference
// tensor.AttentionRef) over the packed qkv: flash attention, a workgroup
// per 64 query rows streaming the keys and values through shared memory,
// online softmax. The rounding of mixed precision (AttentionArgs.Round)
// is the shader's specialization constant 3.
func (d *Device) Attention(out, lse, qkv tensor.Buffer, a tensor.AttentionArgs) {
	t, ok := d.attentionTiles(a)
	if !ok {
		return
	}
	push := attentionPush{B: u32(a.B), H: u32(a.H), T: u32(a.T), Dh: u32(a.Dh), scale: a.Scale}
	// Traffic: q read, out and lse written once; k and v streamed (twice in
	// a rounded mode, which walks the keys twice).
	rows := float64(a.B * a.H * a.T)
	walks := map[bool]float64{false: 1, true: 2}[a.Round != tensor.RoundNone]
	moved := 4 * (rows*float64(2*a.Dh+1) + walks*t.streamed(a, 2*a.Dh))
	dispatchMoving(d, "attention", t.spec(uint32(a.Round)), &push, t.grid(a), attentionFLOPs(a, 4), moved, out, lse, qkv)
}

// attentionTiles returns the tiles for a's heads, or records an error for
// a head the launchers do not take or a device whose shared memory cannot
// hold a tile of one.
func (d *Device) attentionTiles(a tensor.AttentionArgs) (attentionTiles, bool) {
	t := d.limits.tilesFor(a.Dh)
	var err error
	switch {
	case a.Dh > attentionMaxDh:
		err = fmt.Errorf("vk: attention head dimension %d exceeds the shaders' limit of %d; use more heads", a.Dh, attentionMaxDh)
	case t.bc < attentionKStep:
		err = fmt.Errorf("vk: %s's %d bytes of shared memory cannot hold attention tiles of head dimension %d; use more heads", d.name, d.limits.maxComputeSharedMemory, a.Dh)
	case d.kind == CPUDriver && t.loopIterations(a) > lavapipeLoopBudget:
		err = fmt.Errorf("vk: attention over %d tokens with heads of %d would run %d loop iterations per invocation, past the %d that %s (a CPU driver) runs before it stops a shader's loops without a word; use the CPU device (-device cpu) or a GPU",
			a.T, a.Dh, t.loopIterations(a), lavapipeLoopBudget, d.name)
	default:
		return t, true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail(err)
	return t, false
}

// attentionFLOPs is the FLOPs of perPair·Dh + 5 per (query, key)
// pair of every (batch, head) — the dot products of a pass (the forward
// pass does q·k and p·v: 4·Dh) and the softmax's few.
func attentionFLOPs(a tensor.AttentionArgs, perPair int) float64 {
	return float64(a.B*a.H*a.T*a.T) * float64(perPair*a.Dh+5)
}
