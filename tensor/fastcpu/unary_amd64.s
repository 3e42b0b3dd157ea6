#include "textflag.h"

// tanh-GELU forward and backward on 16 lanes with AVX-512F, and on 8 with
// AVX2 + FMA (second half of the file); the Go side is unary.go through
// the instruction sets of instructionset_amd64.go, which hand over a
// multiple of the lane count and do the tail themselves. The arithmetic is
// the Go loops' of unary.go, lane for lane:
//
//	z = −2u = v·(K1 + K2·v²),   clamped to [−87.3, 80] as expClamp does
//	e = exp(z) = 2^k·(1 + r + r²·P(r)),  k = round(z·log₂e), r = z − k·ln2
//	forward   y  = v / (1 + e)                       (= v·σ(2u))
//	backward  s  = 1 / (1 + e)
//	          dx = dy · s·(1 + 2c·v·(1 − s)·(1 + 3a·v²)),  1 − s = e·s
//
// (1 − s is formed as e·s: for large v, s rounds to 1 and 1 − s would
// lose every digit that e·s keeps.)
//
// The AVX-512 exp is exp_amd64.h's, shared with the softmax.
//
// Register plan: Z16..Z31 hold the constants, Z0..Z9 the work of one
// vector; DI out (dx), SI x, DX dy, CX elements left.

#include "exp_amd64.h"

#define CONSTANTS \
	EXP_CONSTANTS;           \
	CONST(0xbfcc422a, Z16); /* K1 = −2c, c = √(2/π) */ \
	CONST(0xbd922279, Z17); /* K2 = −2c·a, a = 0.044715 */ \
	CONST(0x3e095d4f, Z30); /* 3a */ \
	CONST(0x3fcc422a, Z31)  /* 2c */

// EXP_M2U: Z0 = v (loaded), leaves Z1 = v², Z6 = e = exp(−2u).
#define EXP_M2U \
	VMULPS      Z0, Z0, Z1;  \
	VMOVAPS     Z16, Z2;     \
	VFMADD231PS Z1, Z17, Z2; \
	VMULPS      Z2, Z0, Z2;  \
	EXP16

// func geluAVX512(out, x *float32, n int)
TEXT ·geluAVX512(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	CONSTANTS
	SHRQ $4, CX
	JZ   fwddone

fwdloop:
	VMOVUPS (SI), Z0
	EXP_M2U
	VADDPS  Z29, Z6, Z7
	VDIVPS  Z7, Z0, Z7
	VMOVUPS Z7, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     fwdloop

fwddone:
	VZEROUPPER
	RET

// func geluBackwardAVX512(dx, dy, x *float32, n int)
TEXT ·geluBackwardAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	CONSTANTS
	SHRQ $4, CX
	JZ   bwddone

bwdloop:
	VMOVUPS     (SI), Z0
	EXP_M2U
	VADDPS      Z29, Z6, Z7
	VDIVPS      Z7, Z29, Z7  // s = 1/(1+e)
	VMOVAPS     Z29, Z8
	VFMADD231PS Z1, Z30, Z8  // 1 + 3a·v²
	VMULPS      Z7, Z6, Z9   // 1 − s = e·s
	VMULPS      Z8, Z9, Z9
	VMULPS      Z0, Z9, Z9
	VFMADD213PS Z29, Z31, Z9 // 1 + 2c·v·(1 − s)·(1 + 3a·v²)
	VMULPS      Z7, Z9, Z9
	VMULPS      (DX), Z9, Z9
	VMOVUPS     Z9, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DX
	ADDQ        $64, DI
	DECQ        CX
	JNZ         bwdloop

bwddone:
	VZEROUPPER
	RET

// SiLU, x·σ(x), and its gradient on 16 lanes, the Go loops of unary.go
// lane for lane:
//
//	e  = exp(−v)   (clamped as expClamp does)
//	forward   y  = v / (1 + e)
//	backward  s  = 1 / (1 + e)
//	          dx = (dy·s)·(1 + v·(e·s)),   e·s = 1 − s with its digits
//
// Z16 holds 0 (for −v), Z29 is EXP_CONSTANTS' 1.

// func siluAVX512(out, x *float32, n int)
TEXT ·siluAVX512(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXP_CONSTANTS
	CONST(0x00000000, Z16)
	SHRQ $4, CX
	JZ   silufwddone

silufwdloop:
	VMOVUPS (SI), Z0
	VSUBPS  Z0, Z16, Z2 // −v
	EXP16
	VADDPS  Z29, Z6, Z7
	VDIVPS  Z7, Z0, Z7
	VMOVUPS Z7, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     silufwdloop

silufwddone:
	VZEROUPPER
	RET

// func siluBackwardAVX512(dx, dy, x *float32, n int)
TEXT ·siluBackwardAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	EXP_CONSTANTS
	CONST(0x00000000, Z16)
	SHRQ $4, CX
	JZ   silubwddone

silubwdloop:
	VMOVUPS (SI), Z0
	VSUBPS  Z0, Z16, Z2
	EXP16
	VADDPS  Z29, Z6, Z7
	VDIVPS  Z7, Z29, Z7  // s = 1/(1+e)
	VMULPS  Z7, Z6, Z9   // e·s
	VMULPS  Z0, Z9, Z9   // v·e·s
	VADDPS  Z29, Z9, Z9  // 1 + v·e·s
	VMULPS  (DX), Z7, Z8 // dy·s
	VMULPS  Z9, Z8, Z9
	VMOVUPS Z9, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	DECQ    CX
	JNZ     silubwdloop

silubwddone:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// AVX2 + FMA, 8 lanes: the same arithmetic. AVX2 has neither VSCALEFPS nor
// 32 registers: k is rounded with VROUNDPS, 2^k is built in the exponent
// bits ((k + 127) << 23, a normal float for the clamped z), and the
// constants that do not fit in Y8..Y15 are broadcast from geluConsts.

DATA geluConsts<>+0(SB)/4, $0x39506967  // P, highest first
DATA geluConsts<>+4(SB)/4, $0x3ab743ce
DATA geluConsts<>+8(SB)/4, $0x3c088908
DATA geluConsts<>+12(SB)/4, $0x3d2aa9c1
DATA geluConsts<>+16(SB)/4, $0x3e2aaaaa
DATA geluConsts<>+20(SB)/4, $0x3f000000
DATA geluConsts<>+24(SB)/4, $0x3e095d4f // 3a
DATA geluConsts<>+28(SB)/4, $0x3fcc422a // 2c
DATA geluConsts<>+32(SB)/4, $127        // exponent bias (an integer)
GLOBL geluConsts<>(SB), RODATA|NOPTR, $36

#define CONST8(bits, y) MOVL $bits, AX; MOVD AX, X0; VPBROADCASTD X0, y

#define CONSTANTS8 \
	CONST8(0xbfcc422a, Y8);  /* K1 */ \
	CONST8(0xbd922279, Y9);  /* K2 */ \
	CONST8(0xc2ae999a, Y10); /* −87.3 */ \
	CONST8(0x42a00000, Y11); /* 80 */ \
	CONST8(0x3fb8aa3b, Y12); /* log₂e */ \
	CONST8(0x3f800000, Y13); /* 1 */ \
	CONST8(0x3f318000, Y14); /* ln2 high */ \
	CONST8(0xb95e8083, Y15)  /* ln2 low */

// EXP8_M2U: Y0 = v (loaded), leaves Y1 = v², Y6 = e = exp(−2u).
#define EXP8_M2U \
	VMULPS       Y0, Y0, Y1;                    \
	VMOVAPS      Y8, Y2;                        \
	VFMADD231PS  Y1, Y9, Y2;                    \
	VMULPS       Y2, Y0, Y2;                    \
	VMAXPS       Y10, Y2, Y2;                   \
	VMINPS       Y11, Y2, Y2;                   \
	VMULPS       Y12, Y2, Y3;                   \
	VROUNDPS     $0, Y3, Y3;                    \
	VFNMADD231PS Y14, Y3, Y2;                   \
	VFNMADD231PS Y15, Y3, Y2;                   \
	VBROADCASTSS geluConsts<>+0(SB), Y4;        \
	VBROADCASTSS geluConsts<>+4(SB), Y5;        \
	VFMADD213PS  Y5, Y2, Y4;                    \
	VBROADCASTSS geluConsts<>+8(SB), Y5;        \
	VFMADD213PS  Y5, Y2, Y4;                    \
	VBROADCASTSS geluConsts<>+12(SB), Y5;       \
	VFMADD213PS  Y5, Y2, Y4;                    \
	VBROADCASTSS geluConsts<>+16(SB), Y5;       \
	VFMADD213PS  Y5, Y2, Y4;                    \
	VBROADCASTSS geluConsts<>+20(SB), Y5;       \
	VFMADD213PS  Y5, Y2, Y4;                    \
	VMULPS       Y2, Y2, Y5;                    \
	VADDPS       Y13, Y2, Y6;                   \
	VFMADD231PS  Y5, Y4, Y6;                    \
	VCVTPS2DQ    Y3, Y7;                        \
	VPBROADCASTD geluConsts<>+32(SB), Y5;       \
	VPADDD       Y5, Y7, Y7;                    \
	VPSLLD       $23, Y7, Y7;                   \
	VMULPS       Y7, Y6, Y6

// func geluAVX2(out, x *float32, n int)
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	CONSTANTS8
	SHRQ $3, CX
	JZ   fwd8done

fwd8loop:
	VMOVUPS (SI), Y0
	EXP8_M2U
	VADDPS  Y13, Y6, Y7
	VDIVPS  Y7, Y0, Y7
	VMOVUPS Y7, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     fwd8loop

fwd8done:
	VZEROUPPER
	RET

// func geluBackwardAVX2(dx, dy, x *float32, n int)
TEXT ·geluBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	CONSTANTS8
	SHRQ $3, CX
	JZ   bwd8done

bwd8loop:
	VMOVUPS      (SI), Y0
	EXP8_M2U
	VADDPS       Y13, Y6, Y7
	VDIVPS       Y7, Y13, Y7                // s = 1/(1+e)
	VBROADCASTSS geluConsts<>+24(SB), Y4
	VMOVAPS      Y13, Y5
	VFMADD231PS  Y1, Y4, Y5                 // 1 + 3a·v²
	VMULPS       Y7, Y6, Y4                 // 1 − s = e·s
	VMULPS       Y5, Y4, Y4
	VMULPS       Y0, Y4, Y4
	VBROADCASTSS geluConsts<>+28(SB), Y5
	VFMADD213PS  Y13, Y5, Y4                // 1 + 2c·v·(1 − s)·(1 + 3a·v²)
	VMULPS       Y7, Y4, Y4
	VMULPS       (DX), Y4, Y4
	VMOVUPS      Y4, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DX
	ADDQ         $32, DI
	DECQ         CX
	JNZ          bwd8loop

bwd8done:
	VZEROUPPER
	RET
