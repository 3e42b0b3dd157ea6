package tensor

import (
	"fmt"
	"math"
)

// Attention is fused multi-head softmax attention:
//
//	out[b,h] = softmax(q[b,h]·k[b,h]ᵀ·scale)·v[b,h]
//
//	q, k, v, out: [B, H, T, Dh]
//	lse:          [B, H, T]   log Σ_j exp(score) of every query row, saved so
//	                          the backward pass can recompute probabilities
//	                          instead of storing the T×T matrix.
//
// scale is usually 1/√Dh.
func Attention(q, k, v *Tensor, scale float32) (out, lse *Tensor) {
	dev := mustSameDevice("Attention", q, k, v)
	mustFloat("Attention", q, k, v)
	args := attentionShape("Attention", q, k, v, scale)
	out, lse = New(dev, q.shape...), New(dev, args.B, args.H, args.T)
	dev.Attention(out.buf, lse.buf, q.buf, k.buf, v.buf, args)
	return out, lse
}

// AttentionBackward returns the gradients of Attention with respect to q, k
// and v, given the upstream gradient dout and the forward's out and lse.
func AttentionBackward(dout, q, k, v, out, lse *Tensor, scale float32) (dq, dk, dv *Tensor) {
	dev := mustSameDevice("AttentionBackward", dout, q, k, v, out, lse)
	mustFloat("AttentionBackward", dout, q, k, v, out, lse)
	args := attentionShape("AttentionBackward", q, k, v, scale)
	mustSameShape("AttentionBackward", dout, q)
	mustSameShape("AttentionBackward", out, q)
	if !sameDims(lse.shape, args.B, args.H, args.T) {
		panic(fmt.Sprintf("tensor.AttentionBackward: lse %v, want [%d, %d, %d]", lse.shape, args.B, args.H, args.T))
	}
	dq, dk, dv = New(dev, q.shape...), New(dev, q.shape...), New(dev, q.shape...)
	dev.AttentionBackward(dq.buf, dk.buf, dv.buf, dout.buf, q.buf, k.buf, v.buf, out.buf, lse.buf, args)
	return dq, dk, dv
}

func attentionShape(op string, q, k, v *Tensor, scale float32) AttentionArgs {
	if q.Rank() != 4 || !sameDims(k.shape, q.shape...) || !sameDims(v.shape, q.shape...) {
		panic(fmt.Sprintf("tensor.%s: q %v, k %v, v %v: want three equal [B, H, T, Dh] shapes", op, q.shape, k.shape, v.shape))
	}
	return AttentionArgs{B: q.Dim(0), H: q.Dim(1), T: q.Dim(2), Dh: q.Dim(3), Scale: scale}
}

// AttentionRef computes, for every batch b, head h and query row i, with
// s_j = scale·Σ_d q[b,h,i,d]·k[b,h,j,d]:
//
//	lse[b,h,i]   = log Σ_j exp(s_j)                (computed as m + log Σ_j exp(s_j − m), m = max_j s_j)
//	out[b,h,i,d] = Σ_j exp(s_j − lse[b,h,i])·v[b,h,j,d]
//
// in float64.
func AttentionRef[F Float](out, lse, q, k, v []F, p AttentionArgs) {
	T, Dh := p.T, p.Dh
	parallelFor(p.B*p.H*T, 2*T*Dh, func(lo, hi int) {
		s := make([]float64, T)
		for row := lo; row < hi; row++ {
			bh, i := row/T, row%T
			Q, K, V := q[bh*T*Dh:], k[bh*T*Dh:], v[bh*T*Dh:]
			m := math.Inf(-1)
			for j := range T {
				var dot float64
				for d := range Dh {
					dot += float64(Q[i*Dh+d]) * float64(K[j*Dh+d])
				}
				s[j] = dot * float64(p.Scale)
				m = max(m, s[j])
			}
			var l float64
			for j := range T {
				l += math.Exp(s[j] - m)
			}
			L := m + math.Log(l)
			lse[row] = F(L)
			for j := range T {
				s[j] = math.Exp(s[j] - L) // the probability of key j
			}
			for d := range Dh {
				var acc float64
				for j := range T {
					acc += s[j] * float64(V[j*Dh+d])
				}
				out[row*Dh+d] = F(acc)
			}
		}
	})
}

// AttentionBackwardRef computes, for every batch b and head h, recomputing
// the probabilities p_ij = exp(s_ij − lse_i) from the saved lse:
//
//	D_i   = Σ_d dout[i,d]·out[i,d]
//	dv[j] = Σ_i p_ij·dout[i]
//	ds_ij = p_ij·(dout[i]·v[j] − D_i)
//	dq[i] = scale·Σ_j ds_ij·k[j]
//	dk[j] = scale·Σ_i ds_ij·q[i]
//
// in float64. The identity Σ_j p_ij·(dout[i]·v[j]) = dout[i]·out[i] = D_i is
// what makes the softmax gradient this short.
func AttentionBackwardRef[F Float](dq, dk, dv, dout, q, k, v, out, lse []F, p AttentionArgs) {
	T, Dh := p.T, p.Dh
	sc := float64(p.Scale)
	parallelFor(p.B*p.H, 4*T*T*Dh, func(lo, hi int) {
		dqAcc, dkAcc, dvAcc := make([]float64, T*Dh), make([]float64, T*Dh), make([]float64, T*Dh)
		for bh := lo; bh < hi; bh++ {
			o := bh * T * Dh
			Q, K, V, O, dO := q[o:o+T*Dh], k[o:o+T*Dh], v[o:o+T*Dh], out[o:o+T*Dh], dout[o:o+T*Dh]
			clear(dqAcc)
			clear(dkAcc)
			clear(dvAcc)
			for i := range T {
				var Di float64
				for d := range Dh {
					Di += float64(dO[i*Dh+d]) * float64(O[i*Dh+d])
				}
				for j := range T {
					var s, dp float64
					for d := range Dh {
						s += float64(Q[i*Dh+d]) * float64(K[j*Dh+d])
						dp += float64(dO[i*Dh+d]) * float64(V[j*Dh+d])
					}
					pij := math.Exp(s*sc - float64(lse[bh*T+i]))
					ds := pij * (dp - Di)
					for d := range Dh {
						dvAcc[j*Dh+d] += pij * float64(dO[i*Dh+d])
						dqAcc[i*Dh+d] += sc * ds * float64(K[j*Dh+d])
						dkAcc[j*Dh+d] += sc * ds * float64(Q[i*Dh+d])
					}
				}
			}
			for n := range T * Dh {
				dq[o+n], dk[o+n], dv[o+n] = F(dqAcc[n]), F(dkAcc[n]), F(dvAcc[n])
			}
		}
	})
}
