#include "textflag.h"

// The elementwise rows of Binary (binaryRow in elementwise.go) on AVX-512:
// out = a op b on n values, n a multiple of 16, two vectors a step while
// two remain. Each value is the Go loop's, bit for bit.

#define BINARY_ROW(name, op) \
TEXT name(SB), NOSPLIT, $0-32; \
	MOVQ out+0(FP), DI;        \
	MOVQ a+8(FP), SI;          \
	MOVQ b+16(FP), DX;         \
	MOVQ n+24(FP), CX;         \
	SHRQ $4, CX;               \
	JZ   done;                 \
loop2:                         \
	CMPQ    CX, $2;            \
	JLT     tail;              \
	VMOVUPS (SI), Z0;          \
	VMOVUPS 64(SI), Z1;        \
	op      (DX), Z0, Z0;      \
	op      64(DX), Z1, Z1;    \
	VMOVUPS Z0, (DI);          \
	VMOVUPS Z1, 64(DI);        \
	ADDQ    $128, SI;          \
	ADDQ    $128, DX;          \
	ADDQ    $128, DI;          \
	SUBQ    $2, CX;            \
	JMP     loop2;             \
tail:                          \
	TESTQ   CX, CX;            \
	JZ      done;              \
	VMOVUPS (SI), Z0;          \
	op      (DX), Z0, Z0;      \
	VMOVUPS Z0, (DI);          \
done:                          \
	VZEROUPPER;                \
	RET

// func addRowAVX512(out, a, b *float32, n int)
BINARY_ROW(·addRowAVX512, VADDPS)

// func subRowAVX512(out, a, b *float32, n int)
BINARY_ROW(·subRowAVX512, VSUBPS)

// func mulRowAVX512(out, a, b *float32, n int)
BINARY_ROW(·mulRowAVX512, VMULPS)
