//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// AttentionBackward records the gradient of attention with respect to the
// packed qkv (attention_backward.comp; reference
// tensor.AttentionBackwardRef) as three passes of one shader, chosen by its
// PASS constant:
//
//	0  delta_i = dout_i·out_i              one invocation per query row
//	1  dq_i, the first part of dqkv        one invocation per query row
//	2  dk_j and dv_j, the other two parts  one invocation per key row
//
// Every output row belongs to one invocation, so no atomics are needed. The
// probabilities are recomputed from the saved log-sum-exp. BF16 is the
// shader's specialization constant 1.
func (d *Device) AttentionBackward(dqkv, dout, qkv, out, lse tensor.Buffer, a tensor.AttentionArgs) {
	if !d.attentionFits(a) {
		return
	}
	rows := a.B * a.H * a.T
	delta := d.Alloc(tensor.Float32, rows) // scratch: D_i of every row
	push := attentionPush{B: u32(a.B), H: u32(a.H), T: u32(a.T), Dh: u32(a.Dh), scale: a.Scale}
	for pass := range uint32(3) {
		dispatch(d, "attention_backward", []uint32{pass, b2u(a.BF16)}, &push, grid1D(rows, 64), [3]float64{2 * float64(rows*a.Dh), attentionFLOPs(a, 6), attentionFLOPs(a, 8)}[pass], dqkv, dout, qkv, out, lse, delta)
	}
	d.Free(delta) // safe: its range is reused only after these have run
}
