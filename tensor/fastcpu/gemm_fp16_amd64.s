#include "textflag.h"

// func roundFP16AVX512(x *float32, n int)
//
// Sixteen floats at a time: VCVTPS2PH $0 (round to nearest even) packs
// them to float16 in Y1, VCVTPH2PS widens them back, exactly.
TEXT ·roundFP16AVX512(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX

round16:
	CMPQ      CX, $16
	JLT       done
	VMOVUPS   (DI), Z0
	VCVTPS2PH $0, Z0, Y1
	VCVTPH2PS Y1, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       round16

done:
	VZEROUPPER
	RET
