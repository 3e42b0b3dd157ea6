#include "textflag.h"

// The vector loops of the fast GroupNorm (groupnorm.go) on AVX-512, each
// the arithmetic of its Go loop, bit for bit.
//
// The block sums: a block of momentBlock = 128 values is four steps of 32,
// two registers of 16 lanes, so that value i goes to lane i mod 32, as in
// blockSum. Each lane adds its values in order; then FOLD32 adds the
// lanes in halves as foldLanes does, and the block's float32 sum is added
// to a float64 total in X8, one block after another.

// FOLD32 folds the 32 lanes of Z0 (lanes 0–15) and Z1 (16–31) into the
// low float of X0: lane j + lane j+16, then j+8, j+4, j+2 and j+1.
#define FOLD32 \
	VADDPS         Z1, Z0, Z0; \
	VEXTRACTF64X4  $1, Z0, Y1; \
	VADDPS         Y1, Y0, Y0; \
	VEXTRACTF128   $1, Y0, X1; \
	VADDPS         X1, X0, X0; \
	VMOVHLPS       X0, X1, X1; \
	VADDPS         X1, X0, X0; \
	VMOVSHDUP      X0, X1;     \
	VADDSS         X1, X0, X0

// ADDBLOCK adds the float32 in X0 to the float64 total in X8.
#define ADDBLOCK \
	VCVTSS2SD X0, X0, X0; \
	VADDSD    X0, X8, X8

// func groupSumAVX512(x *float32, blocks int) float64
TEXT ·groupSumAVX512(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   blocks+8(FP), CX
	VXORPD X8, X8, X8
	TESTQ  CX, CX
	JZ     sumdone

sumblock:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VADDPS  128(SI), Z0, Z0
	VADDPS  192(SI), Z1, Z1
	VADDPS  256(SI), Z0, Z0
	VADDPS  320(SI), Z1, Z1
	VADDPS  384(SI), Z0, Z0
	VADDPS  448(SI), Z1, Z1
	FOLD32
	ADDBLOCK
	ADDQ    $512, SI
	DECQ    CX
	JNZ     sumblock

sumdone:
	VMOVSD X8, ret+16(FP)
	VZEROUPPER
	RET

// SQUARE adds (x − mu)² at off(SI) to the lanes in acc, mu in Z7.
#define SQUARE(off, acc) \
	VMOVUPS off(SI), Z2; \
	VSUBPS  Z7, Z2, Z2;  \
	VMULPS  Z2, Z2, Z2;  \
	VADDPS  Z2, acc, acc

// func groupSquaresAVX512(x *float32, blocks int, mu float32) float64
TEXT ·groupSquaresAVX512(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         blocks+8(FP), CX
	VBROADCASTSS mu+16(FP), Z7
	VXORPD       X8, X8, X8
	TESTQ        CX, CX
	JZ           sqdone

sqblock:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	SQUARE(0, Z0)
	SQUARE(64, Z1)
	SQUARE(128, Z0)
	SQUARE(192, Z1)
	SQUARE(256, Z0)
	SQUARE(320, Z1)
	SQUARE(384, Z0)
	SQUARE(448, Z1)
	FOLD32
	ADDBLOCK
	ADDQ   $512, SI
	DECQ   CX
	JNZ    sqblock

sqdone:
	VMOVSD X8, ret+24(FP)
	VZEROUPPER
	RET

// CHANNEL adds dout at off(DX) to the lanes of Σ dout (a) and dout·(x − mu)
// to those of the other sum (q), x at off(SI), mu in Z7.
#define CHANNEL(off, a, q) \
	VMOVUPS off(DX), Z4;  \
	VADDPS  Z4, a, a;     \
	VMOVUPS off(SI), Z5;  \
	VSUBPS  Z7, Z5, Z5;   \
	VMULPS  Z5, Z4, Z5;   \
	VADDPS  Z5, q, q

// func channelSumsAVX512(dout, x *float32, blocks int, mu float32) (s1, sxd float64)
TEXT ·channelSumsAVX512(SB), NOSPLIT, $0-48
	MOVQ         dout+0(FP), DX
	MOVQ         x+8(FP), SI
	MOVQ         blocks+16(FP), CX
	VBROADCASTSS mu+24(FP), Z7
	VXORPD       X8, X8, X8
	VXORPD       X9, X9, X9
	TESTQ        CX, CX
	JZ           chdone

chblock:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	CHANNEL(0, Z0, Z2)
	CHANNEL(64, Z1, Z3)
	CHANNEL(128, Z0, Z2)
	CHANNEL(192, Z1, Z3)
	CHANNEL(256, Z0, Z2)
	CHANNEL(320, Z1, Z3)
	CHANNEL(384, Z0, Z2)
	CHANNEL(448, Z1, Z3)
	FOLD32 // the a lanes; FOLD32 leaves Z2 and Z3 alone
	ADDBLOCK
	VMOVAPS Z2, Z0
	VMOVAPS Z3, Z1
	FOLD32
	VCVTSS2SD X0, X0, X0
	VADDSD    X0, X9, X9
	ADDQ   $512, SI
	ADDQ   $512, DX
	DECQ   CX
	JNZ    chblock

chdone:
	VMOVSD X8, s1+32(FP)
	VMOVSD X9, sxd+40(FP)
	VZEROUPPER
	RET

// func groupNormRowAVX512(out, x *float32, n int, mu, m, add float32)
//
// out = (x − mu)·m + add on n values, n a multiple of 16.
TEXT ·groupNormRowAVX512(SB), NOSPLIT, $0-36
	MOVQ         out+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS mu+24(FP), Z7
	VBROADCASTSS m+28(FP), Z8
	VBROADCASTSS add+32(FP), Z9
	SHRQ         $4, CX
	JZ           normdone

normloop:
	VMOVUPS (SI), Z0
	VSUBPS  Z7, Z0, Z0
	VMULPS  Z8, Z0, Z0
	VADDPS  Z9, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     normloop

normdone:
	VZEROUPPER
	RET

// func groupNormGradRowAVX512(dx, dout, x *float32, n int, mu, kr, slope, offset float32)
//
// dx = kr·dout − slope·(x − mu) − offset on n values, n a multiple of 16.
TEXT ·groupNormGradRowAVX512(SB), NOSPLIT, $0-48
	MOVQ         dx+0(FP), DI
	MOVQ         dout+8(FP), DX
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	VBROADCASTSS mu+32(FP), Z7
	VBROADCASTSS kr+36(FP), Z8
	VBROADCASTSS slope+40(FP), Z9
	VBROADCASTSS offset+44(FP), Z10
	SHRQ         $4, CX
	JZ           graddone

gradloop:
	VMULPS  (DX), Z8, Z0
	VMOVUPS (SI), Z1
	VSUBPS  Z7, Z1, Z1
	VMULPS  Z9, Z1, Z1
	VSUBPS  Z1, Z0, Z0
	VSUBPS  Z10, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	DECQ    CX
	JNZ     gradloop

graddone:
	VZEROUPPER
	RET
