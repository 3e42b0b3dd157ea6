package tensor

import "fmt"

// MatMul returns op(a)·op(b) (+ bias), batched over leading axes.
//
//	a:    [..., M, K]  ([..., K, M] when transA)
//	b:    [..., K, N]  ([..., N, K] when transB)
//	bias: [N] or nil
//	out:  [..., M, N]
//
// a and b have the same rank and the same leading (batch) axes, or b is one
// matrix shared by every row of an untransposed a of any rank:
// a [..., K] · b [K, N] = out [..., N]. A Linear layer on tokens [B, T, in]
// is MatMul(x, w, false, true, bias) with w stored [out, in].
func MatMul(a, b *Tensor, transA, transB bool, bias *Tensor) *Tensor {
	return matmul("MatMul", a, b, transA, transB, bias, RoundNone)
}

// MatMulBF16 is MatMul in mixed precision: every element of a and b is
// rounded to bfloat16 (RoundBF16) before it is multiplied, and the
// products, exact in float32, are summed in float32 (MatMulArgs.BF16).
// The tensors stay float32: bias is added and out is written in float32.
// Rounding moves each operand by at most 2⁻⁹ of its value (bfloat16 keeps
// 8 significant bits), so the result is that much less exact than MatMul's.
// This is the product of mixed-precision training, the one a GPU's matrix
// units compute: bfloat16 multiplies, float32 sums.
func MatMulBF16(a, b *Tensor, transA, transB bool, bias *Tensor) *Tensor {
	return matmul("MatMulBF16", a, b, transA, transB, bias, RoundToBF16)
}

// MatMulAcc adds op(a)·op(b) to out in place; out has MatMul's output shape.
// Gradients of shared weights accumulate this way without a temporary.
func MatMulAcc(out, a, b *Tensor, transA, transB bool) {
	matmulAcc("MatMulAcc", out, a, b, transA, transB, RoundNone)
}

// MatMulAccBF16 is MatMulAcc with MatMulBF16's rounding of a and b; the
// sum, out included, is float32.
func MatMulAccBF16(out, a, b *Tensor, transA, transB bool) {
	matmulAcc("MatMulAccBF16", out, a, b, transA, transB, RoundToBF16)
}

// MatMulRounded is MatMul with its operands rounded as r says
// (MatMulArgs.Round): MatMul, MatMulBF16, or the float16 product.
func MatMulRounded(a, b *Tensor, transA, transB bool, bias *Tensor, r Rounding) *Tensor {
	return matmul("MatMulRounded", a, b, transA, transB, bias, r)
}

// MatMulAccRounded is MatMulAcc with its operands rounded as r says.
func MatMulAccRounded(out, a, b *Tensor, transA, transB bool, r Rounding) {
	matmulAcc("MatMulAccRounded", out, a, b, transA, transB, r)
}

// matmul checks and launches the products.
func matmul(op string, a, b *Tensor, transA, transB bool, bias *Tensor, r Rounding) *Tensor {
	args, outShape := matmulShape(op, a, b, transA, transB)
	dev := mustSameDevice(op, a, b, bias)
	mustFloat(op, a, b, bias)
	if bias != nil && !sameDims(bias.shape, args.N) {
		panic(fmt.Sprintf("tensor.%s: bias shape %v, want [%d] for product %v·%v", op, bias.shape, args.N, a.shape, b.shape))
	}
	args.Round = r
	out := New(dev, outShape...)
	dev.MatMul(out.buf, a.buf, b.buf, buf(bias), nil, args)
	return out
}

// matmulAcc checks and launches the accumulating products.
func matmulAcc(op string, out, a, b *Tensor, transA, transB bool, r Rounding) {
	args, want := matmulShape(op, a, b, transA, transB)
	dev := mustSameDevice(op, out, a, b)
	mustFloat(op, out, a, b)
	if !sameDims(out.shape, want...) {
		panic(fmt.Sprintf("tensor.%s: out shape %v, want %v for product %v·%v", op, out.shape, want, a.shape, b.shape))
	}
	args.Accumulate, args.Round = true, r
	dev.MatMul(out.buf, a.buf, b.buf, nil, nil, args)
}

// matmulShape checks the operand shapes and returns the sizes of the product
// and the shape of its result.
func matmulShape(op string, a, b *Tensor, transA, transB bool) (MatMulArgs, []int) {
	shared := b.Rank() == 2 && a.Rank() > 2 && !transA // b is applied to every row of a
	if a.Rank() < 2 || (!shared && (a.Rank() != b.Rank() || !sameDims(a.shape[:a.Rank()-2], b.shape[:b.Rank()-2]...))) {
		panic(fmt.Sprintf("tensor.%s: shapes %v and %v need equal rank ≥ 2 and equal batch axes, or a [..., K] and b [K, N]", op, a.shape, b.shape))
	}
	m, k := a.Dim(-2), a.Dim(-1)
	if shared {
		m = numel(a.shape[:a.Rank()-1])
	}
	if transA {
		m, k = k, m
	}
	kb, n := b.Dim(-2), b.Dim(-1)
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(fmt.Sprintf("tensor.%s: inner sizes differ: %v (transA=%v) and %v (transB=%v)", op, a.shape, transA, b.shape, transB))
	}
	batch := numel(a.shape[:a.Rank()-2])
	if shared {
		batch = 1
	}
	outShape := append(a.Shape()[:a.Rank()-1], n)
	if !shared {
		outShape = append(a.Shape()[:a.Rank()-2], m, n)
	}
	return MatMulArgs{Batch: batch, M: m, N: n, K: k, TransA: transA, TransB: transB}, outShape
}

// MatMulRef computes, for n < Batch, i < M, j < N:
//
//	out[n,i,j] = (Accumulate ? out[n,i,j] : 0) + bias[j] + Σ_k A(n,i,k)·B(n,k,j)
//
// where A(n,i,k) is a[n,i,k], or a[n,k,i] when TransA, and B(n,k,j) is
// b[n,k,j], or b[n,j,k] when TransB. A nil bias counts as zero. With Round,
// A and B are rounded (Rounding.Round) before they are multiplied. The
// epilogue (MatMulArgs.Epilogue) then runs on out and aux as UnaryRef and
// UnaryBackwardRef.
func MatMulRef[F Float](out, a, b, bias, aux []F, p MatMulArgs) {
	n := p.Batch * p.M * p.N
	switch p.Epilogue {
	case EpilogueGELU:
		p.Epilogue = EpilogueNone
		MatMulRef(aux, a, b, bias, nil, p)
		UnaryRef(OpGELU, out[:n], aux[:n])
		return
	case EpilogueGELUGrad:
		p.Epilogue = EpilogueNone
		MatMulRef(out, a, b, bias, nil, p)
		UnaryBackwardRef(OpGELU, out[:n], out[:n], aux[:n], aux[:n])
		return
	}
	M, N, K := p.M, p.N, p.K
	parallelFor(p.Batch*M, N*K, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			n, i := row/M, row%M
			A, B, C := a[n*M*K:], b[n*K*N:], out[n*M*N:]
			for j := range N {
				var acc F
				for k := range K {
					aik := A[i*K+k]
					if p.TransA {
						aik = A[k*M+i]
					}
					bkj := B[k*N+j]
					if p.TransB {
						bkj = B[j*K+k]
					}
					if p.Round != RoundNone {
						aik, bkj = F(p.Round.Round(float32(aik))), F(p.Round.Round(float32(bkj)))
					}
					acc += aik * bkj
				}
				if bias != nil {
					acc += bias[j]
				}
				if p.Accumulate {
					acc += C[i*N+j]
				}
				C[i*N+j] = acc
			}
		}
	})
}

// MatMulGELU is MatMulRounded followed by GELU, in one kernel
// (EpilogueGELU): it returns GELU(r) and the pre-activation r, which the
// backward pass needs. A transformer's MLP starts with it.
func MatMulGELU(a, b *Tensor, transA, transB bool, bias *Tensor, r Rounding) (out, pre *Tensor) {
	const op = "MatMulGELU"
	args, outShape := matmulShape(op, a, b, transA, transB)
	dev := mustSameDevice(op, a, b, bias)
	mustFloat(op, a, b, bias)
	if bias != nil && !sameDims(bias.shape, args.N) {
		panic(fmt.Sprintf("tensor.%s: bias shape %v, want [%d] for product %v·%v", op, bias.shape, args.N, a.shape, b.shape))
	}
	args.Round, args.Epilogue = r, EpilogueGELU
	out, pre = New(dev, outShape...), New(dev, outShape...)
	dev.MatMul(out.buf, a.buf, b.buf, buf(bias), pre.buf, args)
	return out, pre
}

// MatMulGELUGrad returns (op(a)·op(b))·GELU'(pre) elementwise, in one
// kernel (EpilogueGELUGrad): the gradient with respect to the
// pre-activation of a GELU whose output's gradient is the product. In an
// MLP the product is the second Linear's input gradient.
func MatMulGELUGrad(a, b *Tensor, transA, transB bool, pre *Tensor, r Rounding) *Tensor {
	const op = "MatMulGELUGrad"
	args, outShape := matmulShape(op, a, b, transA, transB)
	dev := mustSameDevice(op, a, b, pre)
	mustFloat(op, a, b, pre)
	if !sameDims(pre.shape, outShape...) {
		panic(fmt.Sprintf("tensor.%s: pre shape %v, want %v for product %v·%v", op, pre.shape, outShape, a.shape, b.shape))
	}
	args.Round, args.Epilogue = r, EpilogueGELUGrad
	out := New(dev, outShape...)
	dev.MatMul(out.buf, a.buf, b.buf, nil, pre.buf, args)
	return out
}
