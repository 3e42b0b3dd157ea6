#include "textflag.h"

// func convRowsAVX512(dst, src *float32, offs *int, kc int, lo, hi uint16, ldd int)
//
// The convolution's gather of packed rows (copyRows in conv_gather.go):
//
//	dst[p*ldd + i] = src[offs[p] + i]   for p < kc and the lanes i of the masks
//
// Each row is two masked 16-lane loads and stores: lo holds the lanes of
// the first half (bit i: lane i), hi those of the second (bit i: lane
// 16+i). A masked-off lane is neither read nor written, so nothing past
// the row's last lane is touched.
TEXT ·convRowsAVX512(SB), NOSPLIT, $0-48
	KMOVW lo+32(FP), K1
	KMOVW hi+34(FP), K2
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  offs+16(FP), DX
	MOVQ  kc+24(FP), CX
	MOVQ  ldd+40(FP), R9
	SHLQ  $2, R9

loop2:
	CMPQ CX, $2
	JLT  tail
	MOVQ (DX), AX
	MOVQ 8(DX), BX
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMOVUPS.Z 64(SI)(AX*4), K2, Z1
	VMOVUPS.Z (SI)(BX*4), K1, Z2
	VMOVUPS.Z 64(SI)(BX*4), K2, Z3
	VMOVUPS   Z0, K1, (DI)
	VMOVUPS   Z1, K2, 64(DI)
	VMOVUPS   Z2, K1, (DI)(R9*1)
	VMOVUPS   Z3, K2, 64(DI)(R9*1)
	LEAQ      (DI)(R9*2), DI
	ADDQ      $16, DX
	SUBQ      $2, CX
	JMP       loop2

tail:
	TESTQ     CX, CX
	JEQ       done
	MOVQ      (DX), AX
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMOVUPS.Z 64(SI)(AX*4), K2, Z1
	VMOVUPS   Z0, K1, (DI)
	VMOVUPS   Z1, K2, 64(DI)

done:
	VZEROUPPER
	RET

// func convRowsAddAVX512(dst, src *float32, offs *int, kc int, lo, hi uint16, ldd int, add float32)
//
// convRowsAVX512 with add added to every value copied (copyRowsAdd in
// conv_gather.go: a convolution's bias, as its wide product is copied
// out).
TEXT ·convRowsAddAVX512(SB), NOSPLIT, $0-52
	KMOVW        lo+32(FP), K1
	KMOVW        hi+34(FP), K2
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         offs+16(FP), DX
	MOVQ         kc+24(FP), CX
	MOVQ         ldd+40(FP), R9
	SHLQ         $2, R9
	VBROADCASTSS add+48(FP), Z4
	TESTQ        CX, CX
	JEQ          adddone

addloop:
	MOVQ      (DX), AX
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMOVUPS.Z 64(SI)(AX*4), K2, Z1
	VADDPS    Z4, Z0, Z0
	VADDPS    Z4, Z1, Z1
	VMOVUPS   Z0, K1, (DI)
	VMOVUPS   Z1, K2, 64(DI)
	ADDQ      R9, DI
	ADDQ      $8, DX
	DECQ      CX
	JNE       addloop

adddone:
	VZEROUPPER
	RET

// func padRowsAVX512(dst, src *float32, rows, ldd, lds, lo int, lm0, lm1, lm2, sm0, sm1, sm2 uint16)
//
// The padded rows of a plane (padRows in conv_gather.go), ldd ≤ 48 floats
// a row:
//
//	dst[r*ldd + j] = src[r*lds + j - lo]   for the lanes j in lm (lo ≤ j < lo+n)
//	dst[r*ldd + j] = 0                     for the other lanes j < ldd
//
// A row is read as a window of 48 lanes that starts lo floats before its
// first value, in three masked 16-lane loads that zero the lanes outside
// lm (lm0, lm1, lm2), and written in three masked stores of its ldd lanes
// (sm0, sm1, sm2). A masked-off lane is neither read nor written, so the
// window may start before src and nothing past a row is touched.
TEXT ·padRowsAVX512(SB), NOSPLIT, $0-60
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  rows+16(FP), CX
	MOVQ  ldd+24(FP), R8
	SHLQ  $2, R8
	MOVQ  lds+32(FP), R9
	SHLQ  $2, R9
	MOVQ  lo+40(FP), AX
	SHLQ  $2, AX
	SUBQ  AX, SI
	KMOVW lm0+48(FP), K1
	KMOVW lm1+50(FP), K2
	KMOVW lm2+52(FP), K3
	KMOVW sm0+54(FP), K4
	KMOVW sm1+56(FP), K5
	KMOVW sm2+58(FP), K6
	TESTQ CX, CX
	JEQ   paddone

padloop:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS.Z 128(SI), K3, Z2
	VMOVUPS   Z0, K4, (DI)
	VMOVUPS   Z1, K5, 64(DI)
	VMOVUPS   Z2, K6, 128(DI)
	ADDQ      R9, SI
	ADDQ      R8, DI
	DECQ      CX
	JNE       padloop

paddone:
	VZEROUPPER
	RET
