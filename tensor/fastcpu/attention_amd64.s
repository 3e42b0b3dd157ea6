#include "textflag.h"

// The row softmax of attention and its gradient on 16 lanes with
// AVX-512F; the Go side, with the same arithmetic in loops, is
// attention.go (softmaxRow, softmaxGradRow). A row has any length n ≥ 1:
// whole vectors first, then the last n mod 16 elements under the opmask
// K1, whose masked-out lanes are neither loaded (so reading past the row
// cannot fault) nor stored nor summed. Sums run in 16 float32 lanes and
// are added across at the end.
//
// Register plan: Z18..Z29 the exp constants (exp_amd64.h), Z16 the scale,
// Z17 the shift (max or lse), Z8 the running max or sum, Z0..Z6 the work
// of one vector; DI the row (p), DX ds, SI the pointer that walks, BX the
// vectors left, CX the tail length.

#include "exp_amd64.h"
#include "fold_amd64.h"

// TAILMASK: CX = n mod 16 and K1 its low CX bits; DX = whole vectors.
#define TAILMASK \
	MOVQ  DX, CX;  \
	ANDQ  $15, CX; \
	MOVL  $1, AX;  \
	SHLL  CX, AX;  \
	DECL  AX;      \
	KMOVW AX, K1;  \
	SHRQ  $4, DX

// HFOLD(op, ops) folds the 16 lanes of Z8 into X8's lowest float with op
// (VADDPS or VMAXPS) and its scalar form ops on the last pair
// (fold_amd64.h).
#define HFOLD(op, ops) FOLD16(op, ops, Z8, Y8, X8, Y9, X9)

#define HSUM HFOLD(VADDPS, VADDSS)
#define HMAX HFOLD(VMAXPS, VMAXSS)

// func softmaxRowAVX512(row *float32, n int, scale float32) (m, sum float32)
//
// With scale > 0: m = max_j scale·row_j, row_j ← exp(scale·row_j − m) / sum
// and sum = Σ_j exp(scale·row_j − m); the caller forms lse = m + log(sum).
TEXT ·softmaxRowAVX512(SB), NOSPLIT, $0-32
	MOVQ         row+0(FP), DI
	MOVQ         n+8(FP), DX
	VBROADCASTSS scale+16(FP), Z16
	EXP_CONSTANTS
	TAILMASK

	// The maximum, the tail's missing lanes held at −∞.
	CONST(0xff800000, Z7)
	VMOVAPS Z7, Z8
	MOVQ    DI, SI
	MOVQ    DX, BX
	TESTQ   BX, BX
	JZ      maxtail

maxloop:
	VMAXPS (SI), Z8, Z8
	ADDQ   $64, SI
	DECQ   BX
	JNZ    maxloop

maxtail:
	VMOVAPS      Z7, Z0
	VMOVUPS      (SI), K1, Z0
	VMAXPS       Z0, Z8, Z8
	HMAX
	VMULSS       X16, X8, X8  // m = scale·max: scale > 0 keeps the order
	VMOVSS       X8, m+24(FP)
	VBROADCASTSS X8, Z17

	// e = exp(scale·x − m), stored, and summed.
	VPXORD Z8, Z8, Z8
	MOVQ   DI, SI
	MOVQ   DX, BX
	TESTQ  BX, BX
	JZ     exptail

exploop:
	VMOVUPS     (SI), Z2
	VFMSUB213PS Z17, Z16, Z2
	EXP16
	VMOVUPS     Z6, (SI)
	VADDPS      Z6, Z8, Z8
	ADDQ        $64, SI
	DECQ        BX
	JNZ         exploop

exptail:
	TESTQ       CX, CX
	JZ          expdone
	VMOVUPS.Z   (SI), K1, Z2
	VFMSUB213PS Z17, Z16, Z2
	EXP16
	VMOVUPS     Z6, K1, (SI)
	VADDPS      Z6, Z8, K1, Z8

expdone:
	HSUM
	VMOVSS       X8, sum+28(FP)
	VBROADCASTSS X8, Z9
	VDIVPS       Z9, Z29, Z9  // 1/sum

	// Normalise.
	MOVQ  DI, SI
	MOVQ  DX, BX
	TESTQ BX, BX
	JZ    normtail

normloop:
	VMULPS  (SI), Z9, Z0
	VMOVUPS Z0, (SI)
	ADDQ    $64, SI
	DECQ    BX
	JNZ     normloop

normtail:
	TESTQ     CX, CX
	JZ        normdone
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z0, Z9, Z0
	VMOVUPS   Z0, K1, (SI)

normdone:
	VZEROUPPER
	RET

// func softmaxGradRowAVX512(p, ds *float32, n int, scale, lse float32)
//
// On entry p holds a row of scores S and ds the row of dP; on return
// p_j = exp(scale·S_j − lse) (clamped as expClamp does) and
// ds_j = scale·p_j·(dP_j − D) with D = Σ_j p_j·dP_j.
TEXT ·softmaxGradRowAVX512(SB), NOSPLIT, $0-32
	MOVQ         p+0(FP), DI
	MOVQ         ds+8(FP), R8
	MOVQ         n+16(FP), DX
	VBROADCASTSS scale+24(FP), Z16
	VBROADCASTSS lse+28(FP), Z17
	EXP_CONSTANTS
	TAILMASK

	// p = exp(scale·S − lse), stored; D accumulated in Z8.
	VPXORD Z8, Z8, Z8
	MOVQ   DI, SI
	MOVQ   R8, R9
	MOVQ   DX, BX
	TESTQ  BX, BX
	JZ     ptail

ploop:
	VMOVUPS     (SI), Z2
	VFMSUB213PS Z17, Z16, Z2
	EXP16
	VMOVUPS     Z6, (SI)
	VFMADD231PS (R9), Z6, Z8
	ADDQ        $64, SI
	ADDQ        $64, R9
	DECQ        BX
	JNZ         ploop

ptail:
	TESTQ       CX, CX
	JZ          pdone
	VMOVUPS.Z   (SI), K1, Z2
	VFMSUB213PS Z17, Z16, Z2
	EXP16
	VMOVUPS     Z6, K1, (SI)
	VMOVUPS.Z   (R9), K1, Z0
	VFMADD231PS Z0, Z6, K1, Z8

pdone:
	HSUM
	VBROADCASTSS X8, Z9  // D

	// ds = scale·p·(dP − D).
	MOVQ  DI, SI
	MOVQ  R8, R9
	MOVQ  DX, BX
	TESTQ BX, BX
	JZ    dstail

dsloop:
	VMOVUPS (R9), Z0
	VSUBPS  Z9, Z0, Z0
	VMULPS  (SI), Z0, Z0
	VMULPS  Z16, Z0, Z0
	VMOVUPS Z0, (R9)
	ADDQ    $64, SI
	ADDQ    $64, R9
	DECQ    BX
	JNZ     dsloop

dstail:
	TESTQ     CX, CX
	JZ        dsdone
	VMOVUPS.Z (R9), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VSUBPS    Z9, Z0, Z0
	VMULPS    Z1, Z0, Z0
	VMULPS    Z16, Z0, Z0
	VMOVUPS   Z0, K1, (R9)

dsdone:
	VZEROUPPER
	RET
