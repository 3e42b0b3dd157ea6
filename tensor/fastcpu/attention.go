package fastcpu

import (
	"math"
	"sync"

	"github.com/ditgo/ditgo/tensor"
)

// The fast device's attention runs the products of attention as batched
// GEMMs over a chunk of (batch, head) pairs at a time — S = Q·Kᵀ, then
// O = P·V, on d.matmul (matmul.go) — and only the softmax as a loop over
// rows (vector code where the instruction set has it: attention_amd64.s). A
// chunk's T×T score tiles are bounded to attentionTile floats, so long
// sequences never hold every score matrix at once; the backward pass
// recomputes P from the saved log-sum-exp like the reference. With
// AttentionArgs.BF16 every one of those GEMMs is a bfloat16 one (the
// products' operands rounded as they are packed), which rounds exactly the
// numbers AttentionRef and AttentionBackwardRef round: D_i is Σ_j P·dP
// here in both precisions.

// attentionTile bounds the floats of score tiles held at once (4 MiB).
const attentionTile = 1 << 20

var attentionScratch = sync.Pool{New: func() any { return new([]float32) }}

// scratchFloats returns a pooled buffer of at least n floats.
func scratchFloats(n int) *[]float32 {
	p := attentionScratch.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// Attention: per chunk of (batch, head) pairs, S = Q·Kᵀ, row softmax of
// scale·S (saving lse), O = P·V.
func (d *Device) Attention(outB, lseB, qkvB tensor.Buffer, p tensor.AttentionArgs) {
	out, lse := d.Floats(outB), d.Floats(lseB)
	q, k, v := tensor.QKVParts(d.Floats(qkvB), p)
	T, Dh, BH := p.T, p.Dh, p.B*p.H
	chunk := max(1, min(BH, attentionTile/(T*T)))
	buf := scratchFloats(chunk * T * T)
	defer attentionScratch.Put(buf)
	rowSoftmax := softmaxRow
	if d.set.softmaxRow != nil && p.Scale > 0 {
		rowSoftmax = d.set.softmaxRow
	}
	for c0 := 0; c0 < BH; c0 += chunk {
		n := min(chunk, BH-c0)
		io, is := c0*T*Dh, (c0+n)*T*Dh
		S := (*buf)[:n*T*T]
		d.matmul(S, q[io:is], k[io:is], tensor.MatMulArgs{Batch: n, M: T, N: T, K: Dh, TransB: true, Round: p.Round})
		parallelFor(n*T, 2*T, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				lse[c0*T+r] = rowSoftmax(S[r*T:(r+1)*T], p.Scale)
			}
		})
		d.matmul(out[io:is], S, v[io:is], tensor.MatMulArgs{Batch: n, M: T, N: Dh, K: T, Round: p.Round})
	}
}

// AttentionBackward: per chunk, P = exp(scale·Q·Kᵀ − lse), then
//
//	dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = scale·P∘(dP − D),  dQ = dS·K,  dK = dSᵀ·Q
//
// with D_i = dO_i·O_i, all products as batched GEMMs.
func (d *Device) AttentionBackward(dqkvB, doutB, qkvB, outB, lseB tensor.Buffer, p tensor.AttentionArgs) {
	dq, dk, dv := tensor.QKVParts(d.Floats(dqkvB), p)
	q, k, v := tensor.QKVParts(d.Floats(qkvB), p)
	dout, lse := d.Floats(doutB), d.Floats(lseB) // out is not needed: D_i comes from P and dP
	T, Dh, BH := p.T, p.Dh, p.B*p.H
	chunk := max(1, min(BH, attentionTile/(2*T*T)))
	buf := scratchFloats(2 * chunk * T * T)
	defer attentionScratch.Put(buf)
	rowGrad := softmaxGradRow
	if d.set.softmaxGradRow != nil {
		rowGrad = d.set.softmaxGradRow
	}
	for c0 := 0; c0 < BH; c0 += chunk {
		n := min(chunk, BH-c0)
		io, is := c0*T*Dh, (c0+n)*T*Dh
		P, dS := (*buf)[:n*T*T], (*buf)[n*T*T:2*n*T*T]
		d.matmul(P, q[io:is], k[io:is], tensor.MatMulArgs{Batch: n, M: T, N: T, K: Dh, TransB: true, Round: p.Round})
		d.matmul(dS, dout[io:is], v[io:is], tensor.MatMulArgs{Batch: n, M: T, N: T, K: Dh, TransB: true, Round: p.Round}) // dP
		parallelFor(n*T, 3*T+Dh, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				rowGrad(P[r*T:(r+1)*T], dS[r*T:(r+1)*T], p.Scale, lse[c0*T+r])
			}
		})
		d.matmul(dv[io:is], P, dout[io:is], tensor.MatMulArgs{Batch: n, M: T, N: Dh, K: T, TransA: true, Round: p.Round})
		d.matmul(dq[io:is], dS, k[io:is], tensor.MatMulArgs{Batch: n, M: T, N: Dh, K: T, Round: p.Round})
		d.matmul(dk[io:is], dS, q[io:is], tensor.MatMulArgs{Batch: n, M: T, N: Dh, K: T, TransA: true, Round: p.Round})
	}
}

// softmaxRow replaces a row of scores by softmax(scale·row) and returns
// its log-sum-exp, m + log Σ_j exp(scale·row_j − m) with m the largest
// scaled score. The instruction sets' vector versions (attention_amd64.s)
// do the same in float32 lanes.
func softmaxRow(row []float32, scale float32) (lse float32) {
	m := float32(math.Inf(-1))
	for j := range row {
		row[j] *= scale
		m = max(m, row[j])
	}
	var l float64
	for j, x := range row {
		e := exp32(max(x-m, -87.3)) // x − m ≤ 0
		row[j] = e
		l += float64(e)
	}
	inv := float32(1 / l)
	for j := range row {
		row[j] *= inv
	}
	return m + float32(math.Log(l))
}

// softmaxGradRow takes a row of scores S in p and of dP in ds, and leaves
// p = exp(scale·S − lse), the probabilities again, and
// ds = scale·p∘(dP − D) with D = Σ_j p_j·dP_j, which equals dO_i·O_i;
// summed from the same rounded p and dP, it makes each row of ds sum to
// zero as it should, instead of to a rounding error.
func softmaxGradRow(p, ds []float32, scale, lse float32) {
	ds = ds[:len(p)]
	var D float64
	for j := range p {
		p[j] = exp32(expClamp(scale*p[j] - lse))
		D += float64(p[j]) * float64(ds[j])
	}
	for j := range p {
		ds[j] = scale * p[j] * (ds[j] - float32(D))
	}
}
