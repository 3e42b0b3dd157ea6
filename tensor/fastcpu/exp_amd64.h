// eˣ on 16 float32 lanes with AVX-512F, for unary_amd64.s and
// attention_amd64.s. The arithmetic is exp32's (exp.go), lane for lane:
//
//	z clamped to [−87.3, 80] (expClamp's bounds)
//	e = 2^k·(1 + r + r²·P(r)),  k = round(z·log₂e),  r = z − k·ln2
//
// with ln2 in two parts so that k·ln2hi is exact, and P Cephes' expf
// polynomial. VRNDSCALEPS rounds k to nearest and VSCALEFPS multiplies by
// 2^k: the two AVX-512 instructions that make this shorter than the
// scalar code.
//
// EXP_CONSTANTS loads the constants into Z18..Z29 (Z29 = 1, which the
// callers use too); it clobbers AX. EXP16 sets Z6 = exp(Z2), clobbering
// Z2..Z5.

#define CONST(bits, z) MOVL $bits, AX; VPBROADCASTD AX, z

#define EXP_CONSTANTS \
	CONST(0xc2ae999a, Z18); /* −87.3 */ \
	CONST(0x42a00000, Z19); /* 80 */ \
	CONST(0x3fb8aa3b, Z20); /* log₂e */ \
	CONST(0x3f318000, Z21); /* ln2 high part */ \
	CONST(0xb95e8083, Z22); /* ln2 low part */ \
	CONST(0x39506967, Z23); /* P, highest first */ \
	CONST(0x3ab743ce, Z24); \
	CONST(0x3c088908, Z25); \
	CONST(0x3d2aa9c1, Z26); \
	CONST(0x3e2aaaaa, Z27); \
	CONST(0x3f000000, Z28); \
	CONST(0x3f800000, Z29)  /* 1 */

#define EXP16 \
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
