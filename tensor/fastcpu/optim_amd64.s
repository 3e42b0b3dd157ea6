#include "textflag.h"

// The AdamW update of the fast device (optim.go) on 8 lanes of float64
// with AVX-512F: tensor.AdamWRef's arithmetic, operation for operation and
// in its order (separate multiplies and adds, no fused multiply-add), so
// that every parameter, moment and square is bit for bit the reference's:
//
//	m' = b1·m + (1−b1)·g
//	v' = b2·v + ((1−b2)·g)·g
//	p' = p·(1 − lr·wd) − ((lr/c1)·m') / (√v'/c2 + eps)
//
// c points to the eight float64 constants of tensor.AdamWConsts: b1,
// 1−b1, b2, 1−b2, 1−lr·wd, lr/c1, c2, eps. n is a multiple of 8; the
// caller does the rest. DI p, SI grad, R8 m, R9 v, CX vectors left.

// func adamWAVX512(p, grad, m, v *float32, n int, c *[8]float64)
TEXT ·adamWAVX512(SB), NOSPLIT, $0-48
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	MOVQ         c+40(FP), AX
	VBROADCASTSD 0(AX), Z16  // b1
	VBROADCASTSD 8(AX), Z17  // 1 − b1
	VBROADCASTSD 16(AX), Z18 // b2
	VBROADCASTSD 24(AX), Z19 // 1 − b2
	VBROADCASTSD 32(AX), Z20 // 1 − lr·wd
	VBROADCASTSD 40(AX), Z21 // lr/c1
	VBROADCASTSD 48(AX), Z22 // c2
	VBROADCASTSD 56(AX), Z23 // eps
	SHRQ         $3, CX
	JZ           done

loop:
	VCVTPS2PD (SI), Z0  // g
	VCVTPS2PD (R8), Z1  // m
	VCVTPS2PD (R9), Z2  // v
	VCVTPS2PD (DI), Z3  // p
	VMULPD    Z16, Z1, Z1
	VMULPD    Z17, Z0, Z4
	VADDPD    Z4, Z1, Z1    // m'
	VMULPD    Z18, Z2, Z2
	VMULPD    Z19, Z0, Z5
	VMULPD    Z0, Z5, Z5
	VADDPD    Z5, Z2, Z2    // v'
	VMULPD    Z20, Z3, Z3   // p·(1 − lr·wd)
	VSQRTPD   Z2, Z6
	VDIVPD    Z22, Z6, Z6
	VADDPD    Z23, Z6, Z6   // √v'/c2 + eps
	VMULPD    Z21, Z1, Z7
	VDIVPD    Z6, Z7, Z7
	VSUBPD    Z7, Z3, Z3    // p'
	VCVTPD2PS Z3, Y3
	VCVTPD2PS Z1, Y1
	VCVTPD2PS Z2, Y2
	VMOVUPS   Y3, (DI)
	VMOVUPS   Y1, (R8)
	VMOVUPS   Y2, (R9)
	ADDQ      $32, DI
	ADDQ      $32, SI
	ADDQ      $32, R8
	ADDQ      $32, R9
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET
