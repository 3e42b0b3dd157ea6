#include "textflag.h"

// func modulatedRowGradAVX512(o, ds, dc, dy, xr, sc *float32, n int, mu, rs, gMean, gxMean float32)
//
// modulatedRowGrad (layernorm.go) on n floats, n a multiple of 16, 16
// lanes at a time, with the Go loop's operations in its order and no FMA
// (Go rounds each product before its add), so with its bits:
//
//	xh = (x − mu)·rs
//	ds += dy;  dc += dy·xh
//	o = rs·((dy·(1 + sc) − gMean) − xh·gxMean)
TEXT ·modulatedRowGradAVX512(SB), NOSPLIT, $0-72
	MOVQ         o+0(FP), DI
	MOVQ         ds+8(FP), R8
	MOVQ         dc+16(FP), R9
	MOVQ         dy+24(FP), R10
	MOVQ         xr+32(FP), SI
	MOVQ         sc+40(FP), R11
	MOVQ         n+48(FP), CX
	VBROADCASTSS mu+56(FP), Z0
	VBROADCASTSS rs+60(FP), Z1
	VBROADCASTSS gMean+64(FP), Z2
	VBROADCASTSS gxMean+68(FP), Z3
	MOVL         $0x3f800000, AX // 1.0
	VPBROADCASTD AX, Z4
	XORQ         DX, DX          // byte offset
	SHLQ         $2, CX
	TESTQ        CX, CX
	JEQ          mrgdone

mrgloop:
	VMOVUPS (SI)(DX*1), Z5
	VSUBPS  Z0, Z5, Z5      // x − mu
	VMULPS  Z1, Z5, Z5      // xh
	VMOVUPS (R10)(DX*1), Z6 // dy
	VADDPS  (R8)(DX*1), Z6, Z7
	VMOVUPS Z7, (R8)(DX*1)  // ds += dy
	VMULPS  Z5, Z6, Z8
	VADDPS  (R9)(DX*1), Z8, Z8
	VMOVUPS Z8, (R9)(DX*1)  // dc += dy·xh
	VADDPS  (R11)(DX*1), Z4, Z9
	VMULPS  Z9, Z6, Z9      // dy·(1 + sc)
	VSUBPS  Z2, Z9, Z9      // − gMean
	VMULPS  Z3, Z5, Z10     // xh·gxMean
	VSUBPS  Z10, Z9, Z9
	VMULPS  Z1, Z9, Z9      // rs·(…)
	VMOVUPS Z9, (DI)(DX*1)
	ADDQ    $64, DX
	CMPQ    DX, CX
	JLT     mrgloop

mrgdone:
	VZEROUPPER
	RET

// func modulateRowAVX512(o, xr, sh, sc *float32, n int, mu, rs float32)
//
// LayerNormModulate's row with both shift and scale (layernorm.go) on n
// floats, n a multiple of 16, in the Go loop's order and without FMA, so
// with its bits: o = ((x − mu)·rs)·(1 + sc) + sh.
TEXT ·modulateRowAVX512(SB), NOSPLIT, $0-48
	MOVQ         o+0(FP), DI
	MOVQ         xr+8(FP), SI
	MOVQ         sh+16(FP), R8
	MOVQ         sc+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSS mu+40(FP), Z0
	VBROADCASTSS rs+44(FP), Z1
	MOVL         $0x3f800000, AX // 1.0
	VPBROADCASTD AX, Z4
	XORQ         DX, DX          // byte offset
	SHLQ         $2, CX
	TESTQ        CX, CX
	JEQ          moddone

modloop:
	VMOVUPS (SI)(DX*1), Z5
	VSUBPS  Z0, Z5, Z5         // x − mu
	VMULPS  Z1, Z5, Z5         // ·rs
	VADDPS  (R9)(DX*1), Z4, Z6 // 1 + sc
	VMULPS  Z6, Z5, Z5
	VADDPS  (R8)(DX*1), Z5, Z5 // + sh
	VMOVUPS Z5, (DI)(DX*1)
	ADDQ    $64, DX
	CMPQ    DX, CX
	JLT     modloop

moddone:
	VZEROUPPER
	RET
