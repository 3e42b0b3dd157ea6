#include "textflag.h"
#include "fold_amd64.h"

// The vector loops of the fast GroupNorm (groupnorm.go) on AVX-512, each
// the arithmetic of its Go loop, bit for bit.
//
// The block sums: a block of momentBlock = 128 values is four steps of 32,
// two registers of 16 lanes, so that value i goes to lane i mod 32, as in
// blockSum. Each lane adds its values in order; then FOLD32 adds the
// lanes in halves as foldLanes does, and the block's float32 sum is added
// to a float64 total in X8, one block after another.

// FOLD32 folds the 32 lanes of Z0 (lanes 0–15) and Z1 (16–31) into the
// low float of X0: lane j + lane j+16, then FOLD16 (j+8, j+4, j+2, j+1).
#define FOLD32 \
	VADDPS Z1, Z0, Z0; \
	FOLD16(VADDPS, VADDSS, Z0, Y0, X0, Y1, X1)

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

// ---------------------------------------------------------------------------
// AVX2, the same loops on four registers of 8 lanes: lanes 0–7 in Y0,
// 8–15 in Y1, 16–23 in Y2 and 24–31 in Y3 (Y4–Y7 for a second sum), so
// that the order of every add, and so every bit, is the AVX-512 loops'
// and the Go loops'.

// FOLD32Y folds the 32 lanes of Y0–Y3 into the low float of X0: lane j +
// lane j+16, then j+8, then FOLD8 (j+4, j+2, j+1).
#define FOLD32Y \
	VADDPS Y2, Y0, Y0; \
	VADDPS Y3, Y1, Y1; \
	VADDPS Y1, Y0, Y0; \
	FOLD8(VADDPS, VADDSS, Y0, X0, X1)

// func groupSumAVX2(x *float32, blocks int) float64
TEXT ·groupSumAVX2(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   blocks+8(FP), CX
	VXORPD X8, X8, X8
	TESTQ  CX, CX
	JZ     ysumdone

ysumblock:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS  128(SI), Y0, Y0
	VADDPS  160(SI), Y1, Y1
	VADDPS  192(SI), Y2, Y2
	VADDPS  224(SI), Y3, Y3
	VADDPS  256(SI), Y0, Y0
	VADDPS  288(SI), Y1, Y1
	VADDPS  320(SI), Y2, Y2
	VADDPS  352(SI), Y3, Y3
	VADDPS  384(SI), Y0, Y0
	VADDPS  416(SI), Y1, Y1
	VADDPS  448(SI), Y2, Y2
	VADDPS  480(SI), Y3, Y3
	FOLD32Y
	ADDBLOCK
	ADDQ    $512, SI
	DECQ    CX
	JNZ     ysumblock

ysumdone:
	VMOVSD X8, ret+16(FP)
	VZEROUPPER
	RET

// SQUAREY adds (x − mu)² at off(SI) to the lanes in acc, mu in Y7.
#define SQUAREY(off, acc) \
	VMOVUPS off(SI), Y5; \
	VSUBPS  Y7, Y5, Y5;  \
	VMULPS  Y5, Y5, Y5;  \
	VADDPS  Y5, acc, acc

// func groupSquaresAVX2(x *float32, blocks int, mu float32) float64
TEXT ·groupSquaresAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         blocks+8(FP), CX
	VBROADCASTSS mu+16(FP), Y7
	VXORPD       X8, X8, X8
	TESTQ        CX, CX
	JZ           ysqdone

ysqblock:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	SQUAREY(0, Y0)
	SQUAREY(32, Y1)
	SQUAREY(64, Y2)
	SQUAREY(96, Y3)
	SQUAREY(128, Y0)
	SQUAREY(160, Y1)
	SQUAREY(192, Y2)
	SQUAREY(224, Y3)
	SQUAREY(256, Y0)
	SQUAREY(288, Y1)
	SQUAREY(320, Y2)
	SQUAREY(352, Y3)
	SQUAREY(384, Y0)
	SQUAREY(416, Y1)
	SQUAREY(448, Y2)
	SQUAREY(480, Y3)
	FOLD32Y
	ADDBLOCK
	ADDQ   $512, SI
	DECQ   CX
	JNZ    ysqblock

ysqdone:
	VMOVSD X8, ret+24(FP)
	VZEROUPPER
	RET

// CHANNELY adds dout at off(DX) to the lanes of Σ dout (a) and
// dout·(x − mu) to those of the other sum (q), x at off(SI), mu in Y15.
#define CHANNELY(off, a, q) \
	VMOVUPS off(DX), Y8;  \
	VADDPS  Y8, a, a;     \
	VMOVUPS off(SI), Y9;  \
	VSUBPS  Y15, Y9, Y9;  \
	VMULPS  Y9, Y8, Y9;   \
	VADDPS  Y9, q, q

// func channelSumsAVX2(dout, x *float32, blocks int, mu float32) (s1, sxd float64)
//
// The a lanes in Y0–Y3, the q lanes in Y4–Y7; the totals in X10 and X11.
TEXT ·channelSumsAVX2(SB), NOSPLIT, $0-48
	MOVQ         dout+0(FP), DX
	MOVQ         x+8(FP), SI
	MOVQ         blocks+16(FP), CX
	VBROADCASTSS mu+24(FP), Y15
	VXORPD       X10, X10, X10
	VXORPD       X11, X11, X11
	TESTQ        CX, CX
	JZ           ychdone

ychblock:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CHANNELY(0, Y0, Y4)
	CHANNELY(32, Y1, Y5)
	CHANNELY(64, Y2, Y6)
	CHANNELY(96, Y3, Y7)
	CHANNELY(128, Y0, Y4)
	CHANNELY(160, Y1, Y5)
	CHANNELY(192, Y2, Y6)
	CHANNELY(224, Y3, Y7)
	CHANNELY(256, Y0, Y4)
	CHANNELY(288, Y1, Y5)
	CHANNELY(320, Y2, Y6)
	CHANNELY(352, Y3, Y7)
	CHANNELY(384, Y0, Y4)
	CHANNELY(416, Y1, Y5)
	CHANNELY(448, Y2, Y6)
	CHANNELY(480, Y3, Y7)
	FOLD32Y // the a lanes; it leaves Y4–Y7 alone
	VCVTSS2SD X0, X0, X0
	VADDSD    X0, X10, X10
	VMOVAPS   Y4, Y0
	VMOVAPS   Y5, Y1
	VMOVAPS   Y6, Y2
	VMOVAPS   Y7, Y3
	FOLD32Y
	VCVTSS2SD X0, X0, X0
	VADDSD    X0, X11, X11
	ADDQ   $512, SI
	ADDQ   $512, DX
	DECQ   CX
	JNZ    ychblock

ychdone:
	VMOVSD X10, s1+32(FP)
	VMOVSD X11, sxd+40(FP)
	VZEROUPPER
	RET

// func groupNormRowAVX2(out, x *float32, n int, mu, m, add float32)
//
// groupNormRowAVX512 on n values, n a multiple of 8.
TEXT ·groupNormRowAVX2(SB), NOSPLIT, $0-36
	MOVQ         out+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS mu+24(FP), Y7
	VBROADCASTSS m+28(FP), Y8
	VBROADCASTSS add+32(FP), Y9
	SHRQ         $3, CX
	JZ           ynormdone

ynormloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y7, Y0, Y0
	VMULPS  Y8, Y0, Y0
	VADDPS  Y9, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     ynormloop

ynormdone:
	VZEROUPPER
	RET

// func groupNormGradRowAVX2(dx, dout, x *float32, n int, mu, kr, slope, offset float32)
//
// groupNormGradRowAVX512 on n values, n a multiple of 8.
TEXT ·groupNormGradRowAVX2(SB), NOSPLIT, $0-48
	MOVQ         dx+0(FP), DI
	MOVQ         dout+8(FP), DX
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	VBROADCASTSS mu+32(FP), Y7
	VBROADCASTSS kr+36(FP), Y8
	VBROADCASTSS slope+40(FP), Y9
	VBROADCASTSS offset+44(FP), Y10
	SHRQ         $3, CX
	JZ           ygraddone

ygradloop:
	VMULPS  (DX), Y8, Y0
	VMOVUPS (SI), Y1
	VSUBPS  Y7, Y1, Y1
	VMULPS  Y9, Y1, Y1
	VSUBPS  Y1, Y0, Y0
	VSUBPS  Y10, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     ygradloop

ygraddone:
	VZEROUPPER
	RET
