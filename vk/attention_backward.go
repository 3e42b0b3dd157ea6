//go:build cgo

package vk

import "github.com/ditgo/ditgo/tensor"

// AttentionBackward records the gradient of attention with respect to the
// packed qkv (attention_backward.comp; reference
// tensor.AttentionBackwardRef) as three passes of one shader, chosen by its
// PASS constant:
//
//	0  delta_i = dout_i·out_i              a row per invocation, no tiles
//	1  dq_i, the first part of dqkv        query rows; key and value tiles
//	2  dk_j and dv_j, the other two parts  key rows; query and dout tiles
//
// Every output row belongs to one invocation, so no atomics are needed. The
// probabilities are recomputed from the saved log-sum-exp. The tiles are
// the forward pass's (attentionTiles); the rounding (AttentionArgs.Round)
// is the shader's specialization constant 4.
func (d *Device) AttentionBackward(dqkv, dout, qkv, out, lse tensor.Buffer, a tensor.AttentionArgs) {
	t, ok := d.attentionTiles(a)
	if !ok {
		return
	}
	rows := float64(a.B * a.H * a.T)
	delta := d.Alloc(tensor.Float32, a.B*a.H*a.T) // scratch: D_i of every row
	push := attentionPush{B: u32(a.B), H: u32(a.H), T: u32(a.T), Dh: u32(a.Dh), scale: a.Scale}
	dh := float64(a.Dh)
	// Each pass's FLOPs and bytes. Pass 0 reads dout and out (in a rounded mode
	// it walks the keys as pass 1 does: q and dout, k and v streamed); pass
	// 1 reads q, dout, lse and delta, streams k and v and writes dq; pass 2
	// reads k and v, streams q, dout, lse and delta and writes dk and dv.
	flops := [3]float64{2 * rows * dh, attentionFLOPs(a, 6), attentionFLOPs(a, 8)}
	moved := [3]float64{
		4 * rows * (2*dh + 1),
		4 * (rows*(3*dh+2) + t.streamed(a, 2*a.Dh)),
		4 * (rows*4*dh + t.streamed(a, 2*a.Dh+2)),
	}
	if a.Round != tensor.RoundNone {
		flops[0] = attentionFLOPs(a, 4)
		moved[0] = 4 * (rows*(2*dh+2) + t.streamed(a, 2*a.Dh))
	}
	for pass := range uint32(3) {
		dispatchMoving(d, "attention_backward", t.spec(pass, uint32(a.Round)), &push, t.grid(a), flops[pass], moved[pass], dqkv, dout, qkv, out, lse, delta)
	}
	d.Free(delta) // safe: its range is reused only after these have run
}
