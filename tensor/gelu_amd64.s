#include "textflag.h"

// tanh-GELU forward and backward on 16 lanes with AVX-512F; the Go side
// is fast_unary.go (geluAVX512, geluBackwardAVX512), which hands over a
// multiple of 16 elements and does the tail itself. The arithmetic is the
// Go loops' of fast_unary.go, lane for lane:
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
// VRNDSCALEPS rounds k to nearest and VSCALEFPS multiplies by 2^k, the two
// AVX-512 instructions that make this shorter than the scalar code.
//
// Register plan: Z16..Z31 hold the constants, Z0..Z9 the work of one
// vector; DI out (dx), SI x, DX dy, CX elements left.

#define CONST(bits, z) MOVL $bits, AX; VPBROADCASTD AX, z

#define CONSTANTS \
	CONST(0xbfcc422a, Z16); /* K1 = −2c, c = √(2/π) */ \
	CONST(0xbd922279, Z17); /* K2 = −2c·a, a = 0.044715 */ \
	CONST(0xc2ae999a, Z18); /* −87.3 */ \
	CONST(0x42a00000, Z19); /* 80: expClamp's bounds */ \
	CONST(0x3fb8aa3b, Z20); /* log₂e */ \
	CONST(0x3f318000, Z21); /* ln2 high part */ \
	CONST(0xb95e8083, Z22); /* ln2 low part */ \
	CONST(0x39506967, Z23); /* P: Cephes expf, highest first */ \
	CONST(0x3ab743ce, Z24); \
	CONST(0x3c088908, Z25); \
	CONST(0x3d2aa9c1, Z26); \
	CONST(0x3e2aaaaa, Z27); \
	CONST(0x3f000000, Z28); \
	CONST(0x3f800000, Z29); /* 1 */ \
	CONST(0x3e095d4f, Z30); /* 3a */ \
	CONST(0x3fcc422a, Z31)  /* 2c */

// EXP_M2U: Z0 = v (loaded), leaves Z1 = v², Z6 = e = exp(−2u).
#define EXP_M2U \
	VMULPS       Z0, Z0, Z1;   \
	VMOVAPS      Z16, Z2;      \
	VFMADD231PS  Z1, Z17, Z2;  \
	VMULPS       Z2, Z0, Z2;   \
	VMAXPS       Z18, Z2, Z2;  \
	VMINPS       Z19, Z2, Z2;  \
	VMULPS       Z20, Z2, Z3;  \
	VRNDSCALEPS  $0, Z3, Z3;   \
	VFNMADD231PS Z21, Z3, Z2;  \
	VFNMADD231PS Z22, Z3, Z2;  \
	VMOVAPS      Z23, Z4;      \
	VFMADD213PS  Z24, Z2, Z4;  \
	VFMADD213PS  Z25, Z2, Z4;  \
	VFMADD213PS  Z26, Z2, Z4;  \
	VFMADD213PS  Z27, Z2, Z4;  \
	VFMADD213PS  Z28, Z2, Z4;  \
	VMULPS       Z2, Z2, Z5;   \
	VADDPS       Z29, Z2, Z6;  \
	VFMADD231PS  Z5, Z4, Z6;   \
	VSCALEFPS    Z3, Z6, Z6

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
