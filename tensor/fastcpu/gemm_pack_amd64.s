#include "textflag.h"

// Packing routines for the AVX-512 GEMM path (see packLanes in
// gemm.go). Each fills up to 16 lanes of kc packed rows:
//
//	gemmPackT16:  dst[p*ldd+i] = src[i*lds+p]   (a transpose: rows of src become lanes)
//	gemmPackN16:  dst[p*ldd+i] = src[p*lds+i]   (a copy of kc short rows)
//
// for p < kc and i < lanes, with 0 for h ≤ i < lanes: h ≤ lanes ≤ 16 rows
// or columns of src are valid, the rest of the lanes are zero padding.
// Only lanes (a mask in K1) floats of each packed row are written.

// LOADROWS loads the h valid rows of a 16×16 block of src into Z0..Z15
// (which the caller zeroed), under the element mask mask, stopping after
// row h-1.
#define LOADROWS(mask, done) \
	TESTQ R8, R8; \
	JEQ   done; \
	VMOVUPS.Z (SI), mask, Z0; \
	CMPQ R8, $1; \
	JEQ  done; \
	VMOVUPS.Z (SI)(R10*1), mask, Z1; \
	CMPQ R8, $2; \
	JEQ  done; \
	VMOVUPS.Z (SI)(R10*2), mask, Z2; \
	CMPQ R8, $3; \
	JEQ  done; \
	VMOVUPS.Z (SI)(R11*1), mask, Z3; \
	CMPQ R8, $4; \
	JEQ  done; \
	VMOVUPS.Z (SI)(R10*4), mask, Z4; \
	CMPQ R8, $5; \
	JEQ  done; \
	VMOVUPS.Z (SI)(R12*1), mask, Z5; \
	CMPQ R8, $6; \
	JEQ  done; \
	VMOVUPS.Z (SI)(R11*2), mask, Z6; \
	CMPQ R8, $7; \
	JEQ  done; \
	VMOVUPS.Z (SI)(R13*1), mask, Z7; \
	CMPQ R8, $8; \
	JEQ  done; \
	VMOVUPS.Z (BX), mask, Z8; \
	CMPQ R8, $9; \
	JEQ  done; \
	VMOVUPS.Z (BX)(R10*1), mask, Z9; \
	CMPQ R8, $10; \
	JEQ  done; \
	VMOVUPS.Z (BX)(R10*2), mask, Z10; \
	CMPQ R8, $11; \
	JEQ  done; \
	VMOVUPS.Z (BX)(R11*1), mask, Z11; \
	CMPQ R8, $12; \
	JEQ  done; \
	VMOVUPS.Z (BX)(R10*4), mask, Z12; \
	CMPQ R8, $13; \
	JEQ  done; \
	VMOVUPS.Z (BX)(R12*1), mask, Z13; \
	CMPQ R8, $14; \
	JEQ  done; \
	VMOVUPS.Z (BX)(R11*2), mask, Z14; \
	CMPQ R8, $15; \
	JEQ  done; \
	VMOVUPS.Z (BX)(R13*1), mask, Z15

// TRANSPOSE16 transposes the 16×16 block in Z0..Z15 (row i in Zi) so that
// Zp holds column p, in four rounds of shuffles through Z16..Z31:
// interleave pairs of rows (2×2 blocks), then pairs of pairs (4×4 blocks
// within each 128-bit lane), then 128-bit lanes twice (8×8, 16×16).
#define TRANSPOSE16 \
	VUNPCKLPS Z1, Z0, Z16; \
	VUNPCKHPS Z1, Z0, Z17; \
	VUNPCKLPS Z3, Z2, Z18; \
	VUNPCKHPS Z3, Z2, Z19; \
	VUNPCKLPS Z5, Z4, Z20; \
	VUNPCKHPS Z5, Z4, Z21; \
	VUNPCKLPS Z7, Z6, Z22; \
	VUNPCKHPS Z7, Z6, Z23; \
	VUNPCKLPS Z9, Z8, Z24; \
	VUNPCKHPS Z9, Z8, Z25; \
	VUNPCKLPS Z11, Z10, Z26; \
	VUNPCKHPS Z11, Z10, Z27; \
	VUNPCKLPS Z13, Z12, Z28; \
	VUNPCKHPS Z13, Z12, Z29; \
	VUNPCKLPS Z15, Z14, Z30; \
	VUNPCKHPS Z15, Z14, Z31; \
	VSHUFPS $0x44, Z18, Z16, Z0; \
	VSHUFPS $0xEE, Z18, Z16, Z1; \
	VSHUFPS $0x44, Z19, Z17, Z2; \
	VSHUFPS $0xEE, Z19, Z17, Z3; \
	VSHUFPS $0x44, Z22, Z20, Z4; \
	VSHUFPS $0xEE, Z22, Z20, Z5; \
	VSHUFPS $0x44, Z23, Z21, Z6; \
	VSHUFPS $0xEE, Z23, Z21, Z7; \
	VSHUFPS $0x44, Z26, Z24, Z8; \
	VSHUFPS $0xEE, Z26, Z24, Z9; \
	VSHUFPS $0x44, Z27, Z25, Z10; \
	VSHUFPS $0xEE, Z27, Z25, Z11; \
	VSHUFPS $0x44, Z30, Z28, Z12; \
	VSHUFPS $0xEE, Z30, Z28, Z13; \
	VSHUFPS $0x44, Z31, Z29, Z14; \
	VSHUFPS $0xEE, Z31, Z29, Z15; \
	VSHUFF32X4 $0x88, Z4, Z0, Z16; \
	VSHUFF32X4 $0xDD, Z4, Z0, Z20; \
	VSHUFF32X4 $0x88, Z5, Z1, Z17; \
	VSHUFF32X4 $0xDD, Z5, Z1, Z21; \
	VSHUFF32X4 $0x88, Z6, Z2, Z18; \
	VSHUFF32X4 $0xDD, Z6, Z2, Z22; \
	VSHUFF32X4 $0x88, Z7, Z3, Z19; \
	VSHUFF32X4 $0xDD, Z7, Z3, Z23; \
	VSHUFF32X4 $0x88, Z12, Z8, Z24; \
	VSHUFF32X4 $0xDD, Z12, Z8, Z28; \
	VSHUFF32X4 $0x88, Z13, Z9, Z25; \
	VSHUFF32X4 $0xDD, Z13, Z9, Z29; \
	VSHUFF32X4 $0x88, Z14, Z10, Z26; \
	VSHUFF32X4 $0xDD, Z14, Z10, Z30; \
	VSHUFF32X4 $0x88, Z15, Z11, Z27; \
	VSHUFF32X4 $0xDD, Z15, Z11, Z31; \
	VSHUFF32X4 $0x88, Z24, Z16, Z0; \
	VSHUFF32X4 $0xDD, Z24, Z16, Z8; \
	VSHUFF32X4 $0x88, Z25, Z17, Z1; \
	VSHUFF32X4 $0xDD, Z25, Z17, Z9; \
	VSHUFF32X4 $0x88, Z26, Z18, Z2; \
	VSHUFF32X4 $0xDD, Z26, Z18, Z10; \
	VSHUFF32X4 $0x88, Z27, Z19, Z3; \
	VSHUFF32X4 $0xDD, Z27, Z19, Z11; \
	VSHUFF32X4 $0x88, Z28, Z20, Z4; \
	VSHUFF32X4 $0xDD, Z28, Z20, Z12; \
	VSHUFF32X4 $0x88, Z29, Z21, Z5; \
	VSHUFF32X4 $0xDD, Z29, Z21, Z13; \
	VSHUFF32X4 $0x88, Z30, Z22, Z6; \
	VSHUFF32X4 $0xDD, Z30, Z22, Z14; \
	VSHUFF32X4 $0x88, Z31, Z23, Z7; \
	VSHUFF32X4 $0xDD, Z31, Z23, Z15

#define ZERO16 \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15

// func gemmPackT16(dst *float32, src *float32, lds int, ldd int, kc int, h int, lanes int)
//
// Register plan: SI rows 0..7 of src and BX rows 8..15, R10 = lds in bytes,
// R11 = 3·lds, R12 = 5·lds, R13 = 7·lds (so every row is one addressing
// mode), DI dst, R9 = ldd in bytes, CX steps left, R8 = h, K1 the lanes
// mask for stores, K2 the element mask for loads (all 16, or the last kc%16).
TEXT ·gemmPackT16(SB), NOSPLIT, $0-56
	MOVQ lanes+48(FP), CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVL $0xFFFF, AX
	KMOVW AX, K2
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R10
	SHLQ $2, R10
	MOVQ ldd+24(FP), R9
	SHLQ $2, R9
	MOVQ kc+32(FP), CX
	MOVQ h+40(FP), R8
	LEAQ (R10)(R10*2), R11
	LEAQ (R10)(R10*4), R12
	LEAQ (R11)(R10*4), R13
	LEAQ (SI)(R10*8), BX

block16:
	CMPQ CX, $16
	JLT  tail
	ZERO16
	LOADROWS(K2, loaded16)

loaded16:
	TRANSPOSE16
	VMOVUPS Z0, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z1, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z2, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z3, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z4, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z5, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z6, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z7, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z8, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z9, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z10, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z11, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z12, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z13, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z14, K1, (DI)
	ADDQ    R9, DI
	VMOVUPS Z15, K1, (DI)
	ADDQ    R9, DI
	ADDQ $64, SI
	ADDQ $64, BX
	SUBQ $16, CX
	JMP  block16

tail: // the last kc%16 steps: load only those columns, store only those rows
	TESTQ CX, CX
	JEQ   done
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K2
	ZERO16
	LOADROWS(K2, loadedTail)

loadedTail:
	TRANSPOSE16
	VMOVUPS Z0, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z1, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z2, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z3, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z4, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z5, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z6, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z7, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z8, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z9, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z10, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z11, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z12, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z13, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done
	VMOVUPS Z14, K1, (DI)
	ADDQ    R9, DI
	DECQ    CX
	JEQ     done

done:
	VZEROUPPER
	RET

// func gemmPackN16(dst *float32, src *float32, lds int, ldd int, kc int, h int, lanes int)
//
// Register plan: SI src, DI dst, R10 = lds in bytes, R9 = ldd in bytes,
// CX steps left, K1 the lanes mask for stores, K2 the h mask for loads.
TEXT ·gemmPackN16(SB), NOSPLIT, $0-56
	MOVQ lanes+48(FP), CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ h+40(FP), CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K2
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R10
	SHLQ $2, R10
	MOVQ ldd+24(FP), R9
	SHLQ $2, R9
	MOVQ kc+32(FP), CX

loop4:
	CMPQ CX, $4
	JLT  tailN
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS.Z (SI)(R10*1), K2, Z1
	VMOVUPS.Z (SI)(R10*2), K2, Z2
	LEAQ      (SI)(R10*2), SI
	VMOVUPS.Z (SI)(R10*1), K2, Z3
	LEAQ      (SI)(R10*2), SI
	VMOVUPS   Z0, K1, (DI)
	VMOVUPS   Z1, K1, (DI)(R9*1)
	VMOVUPS   Z2, K1, (DI)(R9*2)
	LEAQ      (DI)(R9*2), DI
	VMOVUPS   Z3, K1, (DI)(R9*1)
	LEAQ      (DI)(R9*2), DI
	SUBQ      $4, CX
	JMP       loop4

tailN:
	TESTQ     CX, CX
	JEQ       doneN
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ      R10, SI
	ADDQ      R9, DI
	DECQ      CX
	JMP       tailN

doneN:
	VZEROUPPER
	RET
