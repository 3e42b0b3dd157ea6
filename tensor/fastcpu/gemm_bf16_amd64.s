#include "textflag.h"
#include "gemm_amd64.h"

// The bfloat16 side of the GEMM (gemm_bf16.go): the loops that round a
// packed block to bfloat16 for the emulation (AVX-512 and AVX2), and for
// CPUs with AVX512_BF16 the loop that packs pairs of bfloat16 and the
// 12×32 micro-kernel that multiplies them with VDPBF16PS. The Go side is
// gemm_bf16_amd64.go.

// ---------------------------------------------------------------------------
// AVX512_BF16 instructions, encoded by hand.
//
// The Go assembler (checked with Go 1.26) does not know the AVX512_BF16
// instructions: VDPBF16PS, VCVTNE2PS2BF16 and VCVTNEPS2BF16 are
// "unrecognized instruction", so they are written here as bytes. All three
// are EVEX-encoded, map 0F38, W0, register operands only (ModRM mod = 11):
//
//	62  P0  P1  P2  opcode  ModRM
//	P0    = R̄ X̄ B̄ R̄' 0 0 1 0      R̄, R̄': bits 3 and 4 of the destination, inverted;
//	                               B̄, X̄: bits 3 and 4 of the ModRM.rm source, inverted; map 0F38
//	P1    = W v̄v̄v̄v̄ 1 pp           W = 0; vvvv: low 4 bits of the first source, inverted; pp the SIMD prefix
//	P2    = z L'L b V̄' a a a       512 bits: L'L = 10; V̄': bit 4 of the first source, inverted; no masking
//	ModRM = 11 reg rm              reg: destination, rm: second source (low 3 bits each)
//
//	VDPBF16PS       zmm dst, zmm v, zmm rm    F3 (pp = 10), opcode 52
//	VCVTNE2PS2BF16  zmm dst, zmm v, zmm rm    F2 (pp = 11), opcode 72
//
// (VCVTNEPS2BF16 ymm dst, zmm rm is F3 72 with v = 0; it is not needed
// here.) The macros take register numbers 0..31 in the Go assembler's
// operand order (sources first, destination last); x ^ 31 is written 31-x,
// because the assembler refuses ~ on these values (and DPROW12 below
// names a register both ways, as ## does not paste inside nested macros).
// objdump -d reads the bytes back as the
// instructions intended; TestBF16Pairs and TestGemmBF16PairKernel run
// them.
#define EVEX512_0F38(pp, op, rm, v, dst) \
	BYTE $0x62; \
	BYTE $((((31-(dst))>>3)&1)<<7 | (((31-(rm))>>4)&1)<<6 | (((31-(rm))>>3)&1)<<5 | (((31-(dst))>>4)&1)<<4 | 0x02); \
	BYTE $(((31-(v))&15)<<3 | 0x04 | (pp)); \
	BYTE $(0x40 | (((31-(v))>>4)&1)<<3); \
	BYTE $(op); \
	BYTE $(0xC0 | ((dst)&7)<<3 | ((rm)&7))

// VDPBF16PS: for each of the 16 float32 lanes i,
//
//	dst[i] += v.hi[i]·rm.hi[i]    (the bfloat16 in bits 16..31 of the lane)
//	dst[i] += v.lo[i]·rm.lo[i]    (the bfloat16 in bits 0..15)
//
// in that order, each step rounded to nearest even: the order of the
// Intel SDM's pseudocode, which this CPU follows bit for bit
// (TestGemmBF16PairKernel). Denormal inputs (of dst too) are read as 0 and
// denormal results flushed to 0, whatever MXCSR says. It issues at half
// the rate of VFMADD231PS here (BenchmarkBF16Peak).
#define VDPBF16PS(rm, v, dst) EVEX512_0F38(2, 0x52, rm, v, dst)

// VCVTNE2PS2BF16: the 16 floats of rm, rounded to bfloat16 (to nearest
// even), become the 16 low words of dst, and the 16 floats of v the high
// words. It rounds as tensor.RoundBF16 does (a NaN stays a quiet NaN with
// the top of its payload) except that a denormal input becomes a zero of
// the same sign; VDPBF16PS would read that denormal as 0 anyway.
#define VCVTNE2PS2BF16(rm, v, dst) EVEX512_0F38(3, 0x72, rm, v, dst)

// ---------------------------------------------------------------------------
// The bfloat16 12×32 micro-kernel: gemmTileGo's contract on a sliver and a
// panel of bfloat16 pairs (see bf16PairsAVX512 below):
//
//	a: for each pair step q < ⌈kc/2⌉, 12 words; word i holds
//	   op(A)[i, 2q] (high half) and op(A)[i, 2q+1] (low half, 0 past kc)
//	b: for each q, 32 words; word j holds op(B)[2q, j] and op(B)[2q+1, j]
//
// so that VDPBF16PS adds the product of step 2q, then that of step 2q+1,
// to each accumulator: the float32 kernel's order, step by step. The frame
// (arguments, register plan, prologue and epilogue) is gemm_amd64.h's; per
// pair step the k loop loads 2 vectors of b, broadcasts the 12 words of a
// and does 24 VDPBF16PS, two steps of k each. kc counts steps of k, odd or
// even.

// DPROW12 names the broadcast register twice, as Zn for the Go assembler
// and as n for VDPBF16PS's bytes.
#define DPROW12(i, zbc, bc, c0, c1) \
	VBROADCASTSS ((i)*4)(AX), zbc; \
	VDPBF16PS(24, bc, c0); \
	VDPBF16PS(25, bc, c1)

#define DPSTEP12x32(q) \
	VMOVUPS ((q)*128)(BX), Z24; \
	VMOVUPS ((q)*128+64)(BX), Z25; \
	DPROW12((q)*12+0, Z26, 26, 0, 1); \
	DPROW12((q)*12+1, Z27, 27, 2, 3); \
	DPROW12((q)*12+2, Z28, 28, 4, 5); \
	DPROW12((q)*12+3, Z29, 29, 6, 7); \
	DPROW12((q)*12+4, Z30, 30, 8, 9); \
	DPROW12((q)*12+5, Z31, 31, 10, 11); \
	DPROW12((q)*12+6, Z26, 26, 12, 13); \
	DPROW12((q)*12+7, Z27, 27, 14, 15); \
	DPROW12((q)*12+8, Z28, 28, 16, 17); \
	DPROW12((q)*12+9, Z29, 29, 18, 19); \
	DPROW12((q)*12+10, Z30, 30, 20, 21); \
	DPROW12((q)*12+11, Z31, 31, 22, 23)

// func gemmAVX512BF16x12x32(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)
TEXT ·gemmAVX512BF16x12x32(SB), NOSPLIT, $0-49
	PROLOGUE12x32
	INCQ CX // pair steps: ⌈kc/2⌉
	SHRQ $1, CX

loop4_dp:
	CMPQ CX, $4
	JLT  tail_dp
	DPSTEP12x32(0)
	DPSTEP12x32(1)
	DPSTEP12x32(2)
	DPSTEP12x32(3)
	ADDQ $(4*12*4), AX
	ADDQ $(4*32*4), BX
	SUBQ $4, CX
	JMP  loop4_dp

tail_dp:
	TESTQ CX, CX
	JZ    epilogue_dp
	DPSTEP12x32(0)
	ADDQ  $(12*4), AX
	ADDQ  $(32*4), BX
	DECQ  CX
	JMP   tail_dp

epilogue_dp:
	EPILOGUE12x32

// ---------------------------------------------------------------------------
// func bf16PairsAVX512(block *float32, kc int, w int)
//
// Packs in place a block of kc rows of w floats (a sliver or a panel as
// packLanes wrote it) into ⌈kc/2⌉ rows of w words of bfloat16 pairs:
//
//	word q*w+i = bf16(block[2q*w+i]) << 16 | bf16(block[(2q+1)*w+i])   (0 for row kc)
//
// 16 lanes at a time: VCVTNE2PS2BF16 rounds rows 2q+1 and 2q into the low
// and high 16 words of Z2, and VPERMW interleaves them into 16 words of
// pairs. Writing in place is safe: word q*w+i lies in row q ≤ 2q, which
// has been read by then (row 0's 16 lanes are read just before they are
// written).
//
// Register plan: SI row 2q, R13 row 2q+1, DI row q, R9 = w in bytes,
// BX rows left, R11 offset in the row, R12 lanes left, K1 lanes to load
// and store, K2 lanes of row 2q+1 (none past kc), Z31 the VPERMW index.
TEXT ·bf16PairsAVX512(SB), NOSPLIT, $0-24
	MOVQ    block+0(FP), SI
	MOVQ    SI, DI
	MOVQ    kc+8(FP), BX
	MOVQ    w+16(FP), R9
	SHLQ    $2, R9
	VMOVDQU32 bf16PairIndex<>(SB), Z31

pairs:
	TESTQ BX, BX
	JLE   donePairs
	LEAQ  (SI)(R9*1), R13
	XORQ  R11, R11
	MOVQ  w+16(FP), R12

lanes:
	MOVL  $0xFFFF, AX
	CMPQ  R12, $16
	JGE   full
	MOVQ  R12, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX

full:
	KMOVW AX, K1
	KMOVW AX, K2
	CMPQ  BX, $2
	JGE   two
	KXORW K2, K2, K2 // row kc: a zero pad

two:
	VMOVUPS.Z (SI)(R11*1), K1, Z0
	VMOVUPS.Z (R13)(R11*1), K2, Z1
	VCVTNE2PS2BF16(1, 0, 2)
	VPERMW    Z2, Z31, Z3
	VMOVUPS   Z3, K1, (DI)(R11*1)
	ADDQ      $64, R11
	SUBQ      $16, R12
	JG        lanes
	LEAQ      (SI)(R9*2), SI
	ADDQ      R9, DI
	SUBQ      $2, BX
	JMP       pairs

donePairs:
	VZEROUPPER
	RET

// bf16PairIndex is VPERMW's index: word 2j of the result is word j of
// Z2 (row 2q+1, the low half) and word 2j+1 is word 16+j (row 2q, the
// high half).
DATA bf16PairIndex<>+0(SB)/4, $0x00100000
DATA bf16PairIndex<>+4(SB)/4, $0x00110001
DATA bf16PairIndex<>+8(SB)/4, $0x00120002
DATA bf16PairIndex<>+12(SB)/4, $0x00130003
DATA bf16PairIndex<>+16(SB)/4, $0x00140004
DATA bf16PairIndex<>+20(SB)/4, $0x00150005
DATA bf16PairIndex<>+24(SB)/4, $0x00160006
DATA bf16PairIndex<>+28(SB)/4, $0x00170007
DATA bf16PairIndex<>+32(SB)/4, $0x00180008
DATA bf16PairIndex<>+36(SB)/4, $0x00190009
DATA bf16PairIndex<>+40(SB)/4, $0x001a000a
DATA bf16PairIndex<>+44(SB)/4, $0x001b000b
DATA bf16PairIndex<>+48(SB)/4, $0x001c000c
DATA bf16PairIndex<>+52(SB)/4, $0x001d000d
DATA bf16PairIndex<>+56(SB)/4, $0x001e000e
DATA bf16PairIndex<>+60(SB)/4, $0x001f000f
GLOBL bf16PairIndex<>(SB), RODATA|NOPTR, $64

// ---------------------------------------------------------------------------
// func roundBF16AVX512(x *float32, n int)
//
// tensor.RoundBF16 on n floats in place, n a multiple of 16, in integer
// arithmetic on the bits (so denormals round like any other number, as
// RoundBF16 does, and unlike VCVTNE2PS2BF16):
//
//	bits = (bits + 0x7fff + (bits>>16 & 1)) & 0xffff0000   ties to even
//	NaN:   (bits | 0x00400000) & 0xffff0000                quiet, top of the payload kept
//
// Register plan: DI x, CX floats left, Z26..Z29 the constants, K1 the NaN lanes.
TEXT ·roundBF16AVX512(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVL $0x00400000, AX
	VPBROADCASTD AX, Z26
	MOVL $0xffff0000, AX
	VPBROADCASTD AX, Z27
	MOVL $0x7fff, AX
	VPBROADCASTD AX, Z28
	MOVL $1, AX
	VPBROADCASTD AX, Z29

round16:
	CMPQ CX, $16
	JLT  doneRound16
	VMOVUPS (DI), Z0
	VPSRLD  $16, Z0, Z1
	VPANDD  Z29, Z1, Z1
	VPADDD  Z28, Z1, Z1
	VPADDD  Z0, Z1, Z1
	VCMPPS  $3, Z0, Z0, K1 // unordered with itself: NaN
	VPORD   Z26, Z0, K1, Z1
	VPANDD  Z27, Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     round16

doneRound16:
	VZEROUPPER
	RET

// func roundBF16AVX2(x *float32, n int)
//
// The same on 8 lanes with AVX2, n a multiple of 8; VBLENDVPS takes the
// NaN lanes from the quiet-NaN form.
//
// Register plan: DI x, CX floats left, Y12..Y15 the constants.
TEXT ·roundBF16AVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVL $0x00400000, AX
	MOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVL $0xffff0000, AX
	MOVD AX, X13
	VPBROADCASTD X13, Y13
	MOVL $0x7fff, AX
	MOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $1, AX
	MOVD AX, X15
	VPBROADCASTD X15, Y15

round8:
	CMPQ CX, $8
	JLT  doneRound8
	VMOVUPS   (DI), Y0
	VPSRLD    $16, Y0, Y1
	VPAND     Y15, Y1, Y1
	VPADDD    Y14, Y1, Y1
	VPADDD    Y0, Y1, Y1
	VPOR      Y12, Y0, Y2
	VCMPPS    $3, Y0, Y0, Y3
	VBLENDVPS Y3, Y2, Y1, Y1
	VPAND     Y13, Y1, Y1
	VMOVUPS   Y1, (DI)
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       round8

doneRound8:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// func dpbf16Peak(n int)
//
// The peak loop of the bfloat16 kernel, like fmaPeakAVX512: n iterations
// of 16 independent VDPBF16PS, 16 lanes × 2 products × 2 FLOP each.
TEXT ·dpbf16Peak(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

peakdp:
	VDPBF16PS(30, 31, 0)
	VDPBF16PS(30, 31, 1)
	VDPBF16PS(30, 31, 2)
	VDPBF16PS(30, 31, 3)
	VDPBF16PS(30, 31, 4)
	VDPBF16PS(30, 31, 5)
	VDPBF16PS(30, 31, 6)
	VDPBF16PS(30, 31, 7)
	VDPBF16PS(30, 31, 8)
	VDPBF16PS(30, 31, 9)
	VDPBF16PS(30, 31, 10)
	VDPBF16PS(30, 31, 11)
	VDPBF16PS(30, 31, 12)
	VDPBF16PS(30, 31, 13)
	VDPBF16PS(30, 31, 14)
	VDPBF16PS(30, 31, 15)
	DECQ CX
	JNZ  peakdp
	VZEROUPPER
	RET
