package tensor

import "math"

// Attention on the fast device computes, per (batch, head), the score
// matrix S = scale·Q·Kᵀ as one T×T float32 tile, its row softmax, and
// O = P·V with contiguous row updates — the reference's math in float32,
// without its per-element float64 work. Each (batch, head) is one task;
// tasks are spread over the cores.
func (d *FastCPU) Attention(outB, lseB, qB, kB, vB Buffer, p AttentionArgs) {
	out, lse, q, k, v := d.f(outB), d.f(lseB), d.f(qB), d.f(kB), d.f(vB)
	T, Dh := p.T, p.Dh
	parallelFor(p.B*p.H, 2*T*T*Dh, func(lo, hi int) {
		s := make([]float32, T*T)
		for bh := lo; bh < hi; bh++ {
			o := bh * T * Dh
			Q, K, V, O := q[o:o+T*Dh], k[o:o+T*Dh], v[o:o+T*Dh], out[o:o+T*Dh]
			for i := range T {
				row := s[i*T : (i+1)*T]
				qi := Q[i*Dh : (i+1)*Dh]
				m := float32(math.Inf(-1))
				for j := range T {
					row[j] = p.Scale * dot32(qi, K[j*Dh:(j+1)*Dh])
					m = max(m, row[j])
				}
				var l float64
				for j, x := range row {
					e := float32(math.Exp(float64(x - m)))
					row[j] = e
					l += float64(e)
				}
				lse[bh*T+i] = m + float32(math.Log(l))
				inv := float32(1 / l)
				oi := O[i*Dh : (i+1)*Dh]
				clear(oi)
				for j, e := range row {
					axpy32(oi, e*inv, V[j*Dh:(j+1)*Dh])
				}
			}
		}
	})
}

// AttentionBackward on the fast device recomputes P from the saved lse,
// one (batch, head) at a time, and forms the gradients with contiguous row
// updates:
//
//	D_i = dO_i·O_i,  dV_j = Σ_i P_ij·dO_i,  dS_ij = P_ij·(dO_i·V_j − D_i),
//	dQ_i = scale·Σ_j dS_ij·K_j,  dK_j = scale·Σ_i dS_ij·Q_i
func (d *FastCPU) AttentionBackward(dqB, dkB, dvB, doutB, qB, kB, vB, outB, lseB Buffer, p AttentionArgs) {
	dq, dk, dv, dout := d.f(dqB), d.f(dkB), d.f(dvB), d.f(doutB)
	q, k, v, out, lse := d.f(qB), d.f(kB), d.f(vB), d.f(outB), d.f(lseB)
	T, Dh := p.T, p.Dh
	parallelFor(p.B*p.H, 5*T*T*Dh, func(lo, hi int) {
		ds := make([]float32, T*T)
		for bh := lo; bh < hi; bh++ {
			o := bh * T * Dh
			Q, K, V, O, dO := q[o:o+T*Dh], k[o:o+T*Dh], v[o:o+T*Dh], out[o:o+T*Dh], dout[o:o+T*Dh]
			dQ, dK, dV := dq[o:o+T*Dh], dk[o:o+T*Dh], dv[o:o+T*Dh]
			clear(dQ)
			clear(dK)
			clear(dV)
			for i := range T {
				qi, doi := Q[i*Dh:(i+1)*Dh], dO[i*Dh:(i+1)*Dh]
				Di := dot32(doi, O[i*Dh:(i+1)*Dh])
				L := lse[bh*T+i]
				row := ds[i*T : (i+1)*T]
				for j := range T {
					pij := float32(math.Exp(float64(p.Scale*dot32(qi, K[j*Dh:(j+1)*Dh]) - L)))
					axpy32(dV[j*Dh:(j+1)*Dh], pij, doi)
					row[j] = pij * (dot32(doi, V[j*Dh:(j+1)*Dh]) - Di)
				}
			}
			for i := range T {
				dqi, qi := dQ[i*Dh:(i+1)*Dh], Q[i*Dh:(i+1)*Dh]
				for j, g := range ds[i*T : (i+1)*T] {
					g *= p.Scale
					axpy32(dqi, g, K[j*Dh:(j+1)*Dh])
					axpy32(dK[j*Dh:(j+1)*Dh], g, qi)
				}
			}
		}
	})
}

// dot32 is Σ a[i]·b[i], four partial sums at a time.
func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy32 is y += alpha·x.
func axpy32(y []float32, alpha float32, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}
