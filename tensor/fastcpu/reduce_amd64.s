#include "textflag.h"

// Column sums in float64 for the fast device's Sum (reduce.go):
// acc[j] += Σ_r float64(x[r·stride + j]) for a block of columns, the rows
// added in order, so that every sum is bit for bit the Go loop's. Each
// pass keeps 16 columns in two registers of 8 float64 lanes while it walks
// down the rows. SI the block's top, R8 the row pointer, DI acc, CX the
// blocks left, DX the rows, BX the stride in bytes.

// func sumColumnsF64AVX512(acc *float64, x *float32, cols, rows, stride int)
TEXT ·sumColumnsF64AVX512(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ cols+16(FP), CX
	MOVQ rows+24(FP), DX
	MOVQ stride+32(FP), BX
	SHLQ $2, BX
	SHRQ $4, CX
	JZ   done

block:
	VMOVUPD (DI), Z0
	VMOVUPD 64(DI), Z1
	MOVQ    SI, R8
	MOVQ    DX, R9
	TESTQ   R9, R9
	JZ      store

row:
	VCVTPS2PD (R8), Z2
	VCVTPS2PD 32(R8), Z3
	VADDPD    Z2, Z0, Z0
	VADDPD    Z3, Z1, Z1
	ADDQ      BX, R8
	DECQ      R9
	JNZ       row

store:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	ADDQ    $64, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     block

done:
	VZEROUPPER
	RET
