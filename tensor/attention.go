package tensor

import (
	"fmt"
	"math"
)

// Attention is fused multi-head softmax attention:
//
//	out[b,h] = softmax(q[b,h]·k[b,h]ᵀ·scale)·v[b,h]
//
//	qkv:  [3, B, H, T, Dh]  q, k and v one after the other, each [B, H, T, Dh]
//	out:  [B, H, T, Dh]
//	lse:  [B, H, T]         log Σ_j exp(score) of every query row, saved so
//	                        the backward pass can recompute probabilities
//	                        instead of storing the T×T matrix.
//
// scale is usually 1/√Dh. q, k and v come packed in one tensor because a
// transformer makes them with one projection: a single layout kernel
// (SplitQKVLayout) takes that projection's [B, T, 3·H·Dh] output to this
// layout, and a single one takes the gradient back.
func Attention(qkv *Tensor, scale float32) (out, lse *Tensor) {
	return attention("Attention", qkv, scale, RoundNone)
}

// AttentionBF16 is Attention in mixed precision (AttentionArgs.Round): its
// two matrix products, q·kᵀ and P·v, multiply operands rounded to bfloat16
// and sum in float32, as MatMulBF16 does. The softmax, lse and out stay
// float32.
func AttentionBF16(qkv *Tensor, scale float32) (out, lse *Tensor) {
	return attention("AttentionBF16", qkv, scale, RoundToBF16)
}

// AttentionRounded is Attention with the operands of its products rounded
// as r says (AttentionArgs.Round).
func AttentionRounded(qkv *Tensor, scale float32, r Rounding) (out, lse *Tensor) {
	return attention("AttentionRounded", qkv, scale, r)
}

func attention(op string, qkv *Tensor, scale float32, r Rounding) (out, lse *Tensor) {
	dev := mustSameDevice(op, qkv)
	mustFloat(op, qkv)
	args := attentionShape(op, qkv, scale)
	args.Round = r
	out, lse = New(dev, qkv.shape[1:]...), New(dev, args.B, args.H, args.T)
	dev.Attention(out.buf, lse.buf, qkv.buf, args)
	return out, lse
}

// AttentionBackward returns the gradient of Attention with respect to qkv
// ([3, B, H, T, Dh], like qkv), given the upstream gradient dout and the
// forward's out and lse.
func AttentionBackward(dout, qkv, out, lse *Tensor, scale float32) (dqkv *Tensor) {
	return attentionBackward("AttentionBackward", dout, qkv, out, lse, scale, RoundNone)
}

// AttentionBackwardBF16 is the gradient of AttentionBF16: its four matrix
// products (dO·vᵀ, Pᵀ·dO, dS·k and dSᵀ·q) round their operands to
// bfloat16, and q·kᵀ, recomputed, is AttentionBF16's.
func AttentionBackwardBF16(dout, qkv, out, lse *Tensor, scale float32) (dqkv *Tensor) {
	return attentionBackward("AttentionBackwardBF16", dout, qkv, out, lse, scale, RoundToBF16)
}

// AttentionBackwardRounded is the gradient of AttentionRounded.
func AttentionBackwardRounded(dout, qkv, out, lse *Tensor, scale float32, r Rounding) (dqkv *Tensor) {
	return attentionBackward("AttentionBackwardRounded", dout, qkv, out, lse, scale, r)
}

func attentionBackward(op string, dout, qkv, out, lse *Tensor, scale float32, r Rounding) (dqkv *Tensor) {
	dev := mustSameDevice(op, dout, qkv, out, lse)
	mustFloat(op, dout, qkv, out, lse)
	args := attentionShape(op, qkv, scale)
	args.Round = r
	for _, x := range []*Tensor{dout, out} {
		if !sameDims(x.shape, qkv.shape[1:]...) {
			panic(fmt.Sprintf("tensor.%s: dout %v and out %v, want %v for qkv %v", op, dout.shape, out.shape, qkv.shape[1:], qkv.shape))
		}
	}
	if !sameDims(lse.shape, args.B, args.H, args.T) {
		panic(fmt.Sprintf("tensor.%s: lse %v, want [%d, %d, %d]", op, lse.shape, args.B, args.H, args.T))
	}
	dqkv = New(dev, qkv.shape...)
	dev.AttentionBackward(dqkv.buf, dout.buf, qkv.buf, out.buf, lse.buf, args)
	return dqkv
}

func attentionShape(op string, qkv *Tensor, scale float32) AttentionArgs {
	if qkv.Rank() != 5 || qkv.Dim(0) != 3 {
		panic(fmt.Sprintf("tensor.%s: qkv %v, want [3, B, H, T, Dh]", op, qkv.shape))
	}
	return AttentionArgs{B: qkv.Dim(1), H: qkv.Dim(2), T: qkv.Dim(3), Dh: qkv.Dim(4), Scale: scale}
}

// QKVParts cuts the storage of a packed qkv [3, B, H, T, Dh] into its three
// [B, H, T, Dh] parts, for kernels that treat them separately.
func QKVParts[F Float](qkv []F, p AttentionArgs) (q, k, v []F) {
	n := p.B * p.H * p.T * p.Dh
	return qkv[:n:n], qkv[n : 2*n : 2*n], qkv[2*n : 3*n]
}

// AttentionRef computes, for every batch b, head h and query row i, with
// s_j = scale·Σ_d q[b,h,i,d]·k[b,h,j,d]:
//
//	lse[b,h,i]   = log Σ_j exp(s_j)                (computed as m + log Σ_j exp(s_j − m), m = max_j s_j)
//	out[b,h,i,d] = Σ_j P_j·v[b,h,j,d],  P_j = exp(s_j − lse[b,h,i])
//
// in float64. With Round the factors of both products are rounded first
// (to bfloat16 or float16; r below): q and k in s_j, P_j and v in out.
func AttentionRef[F Float](out, lse, q, k, v []F, p AttentionArgs) {
	T, Dh := p.T, p.Dh
	r := operandRounding[F](p.Round)
	parallelFor(p.B*p.H*T, 2*T*Dh, func(lo, hi int) {
		s := make([]float64, T)
		for row := lo; row < hi; row++ {
			bh, i := row/T, row%T
			Q, K, V := q[bh*T*Dh:], k[bh*T*Dh:], v[bh*T*Dh:]
			m := math.Inf(-1)
			for j := range T {
				var dot float64
				for d := range Dh {
					dot += r(Q[i*Dh+d]) * r(K[j*Dh+d])
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
				s[j] = r(F(math.Exp(s[j] - L))) // the probability of key j
			}
			for d := range Dh {
				var acc float64
				for j := range T {
					acc += s[j] * r(V[j*Dh+d])
				}
				out[row*Dh+d] = F(acc)
			}
		}
	})
}

// AttentionBackwardRef computes, for every batch b and head h, recomputing
// the probabilities p_ij = exp(s_ij − lse_i) from the saved lse:
//
//	dp_ij = dout[i]·v[j]
//	D_i   = Σ_d dout[i,d]·out[i,d]
//	dv[j] = Σ_i p_ij·dout[i]
//	ds_ij = scale·p_ij·(dp_ij − D_i)
//	dq[i] = Σ_j ds_ij·k[j]
//	dk[j] = Σ_i ds_ij·q[i]
//
// in float64. The identity Σ_j p_ij·dp_ij = dout[i]·out[i] = D_i is what
// makes the softmax gradient this short.
//
// With Round the factors of every product are rounded first:
// q and k in s_ij (as in AttentionRef), dout and v in dp_ij, p_ij and dout
// in dv, ds_ij and k in dq, ds_ij and q in dk. D_i is then Σ_j p_ij·dp_ij,
// the form the identity takes for the products actually computed, since
// out was made from rounded factors and dp from others.
func AttentionBackwardRef[F Float](dq, dk, dv, dout, q, k, v, out, lse []F, p AttentionArgs) {
	T, Dh := p.T, p.Dh
	sc := float64(p.Scale)
	r := operandRounding[F](p.Round)
	parallelFor(p.B*p.H, 4*T*T*Dh, func(lo, hi int) {
		dqAcc, dkAcc, dvAcc := make([]float64, T*Dh), make([]float64, T*Dh), make([]float64, T*Dh)
		prob, dp := make([]float64, T), make([]float64, T)
		for bh := lo; bh < hi; bh++ {
			o := bh * T * Dh
			Q, K, V, O, dO := q[o:o+T*Dh], k[o:o+T*Dh], v[o:o+T*Dh], out[o:o+T*Dh], dout[o:o+T*Dh]
			clear(dqAcc)
			clear(dkAcc)
			clear(dvAcc)
			for i := range T {
				var Di float64
				for j := range T {
					var s float64
					dp[j] = 0
					for d := range Dh {
						s += r(Q[i*Dh+d]) * r(K[j*Dh+d])
						dp[j] += r(dO[i*Dh+d]) * r(V[j*Dh+d])
					}
					prob[j] = math.Exp(s*sc - float64(lse[bh*T+i]))
					Di += prob[j] * dp[j]
				}
				if p.Round == RoundNone {
					Di = 0
					for d := range Dh {
						Di += float64(dO[i*Dh+d]) * float64(O[i*Dh+d])
					}
				}
				for j := range T {
					ds := r(F(sc * prob[j] * (dp[j] - Di)))
					pij := r(F(prob[j]))
					for d := range Dh {
						dvAcc[j*Dh+d] += pij * r(dO[i*Dh+d])
						dqAcc[i*Dh+d] += ds * r(K[j*Dh+d])
						dkAcc[j*Dh+d] += ds * r(Q[i*Dh+d])
					}
				}
			}
			for n := range T * Dh {
				dq[o+n], dk[o+n], dv[o+n] = F(dqAcc[n]), F(dkAcc[n]), F(dvAcc[n])
			}
		}
	})
}

// operandRounding returns the map the reference kernels apply to each
// factor of a product: RoundBF16 through float32 with bf16, otherwise the
// value itself, both as float64.
func operandRounding[F Float](r Rounding) func(F) float64 {
	if r != RoundNone {
		return func(x F) float64 { return float64(r.Round(float32(x))) }
	}
	return func(x F) float64 { return float64(x) }
}
