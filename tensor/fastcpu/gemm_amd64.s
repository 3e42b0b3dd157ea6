#include "textflag.h"
#include "gemm_amd64.h"

// GEMM micro-kernels for amd64; the Go side is gemm_amd64.go and the
// contract is gemmTileGo in gemm_kernel.go. Each computes one MR×NR tile
//
//	c[i*ldc+j] = (load ? c[i*ldc+j] : 0) + (bias[j] + Σ_p a[p*MR+i]·b[p*NR+j])
//
// from a packed sliver a (MR floats per step p) and a packed panel b (NR
// floats per step p), keeping the whole tile in registers: each step loads
// one row of b into vector registers, broadcasts the MR values of a one at
// a time and does MR×(NR/lanes) FMAs. The k loop is unrolled by 4. bias is
// nil or NR floats; ldc is in elements. The sum is formed first and the
// bias and old c added after it, in that order, like gemmTileGo.

// ---------------------------------------------------------------------------
// AVX-512, 12×32.
//
// Register plan (the frame, PROLOGUE12x32 and EPILOGUE12x32, is
// gemm_amd64.h's, shared with the bfloat16 kernel of gemm_bf16_amd64.s):
//	Z0..Z23   accumulators: row i is Z(2i) (columns 0..15) and Z(2i+1) (16..31)
//	Z24, Z25  the current row of b (32 floats)
//	Z26..Z31  broadcasts of a, used in turn so loads run ahead of the FMAs
//	AX a, BX b, CX steps left, DI c, SI ldc in bytes, R8 bias, R9 load
//
// Per step: 2 vector loads + 12 broadcasts (loads only) for 24 FMAs, so the
// two FMA ports, not the loads, are the limit. The Go assembler also takes
// the embedded broadcast VFMADD231PS.BCST (m32), but then each of the 24
// FMAs loads its value of a again; a broadcast register is loaded once and
// used twice. The 24 accumulators leave 8 registers for b and a: 6×64 (4
// vectors of b) ran at the same speed, and 12×32 keeps a 12×kc sliver of a
// small enough for L1 at kc = 384 (18 KiB), which the loop order of gemm.go
// wants. Before the k loop the kernel prefetches its tile of c, so that the
// epilogue finds it in L1.

#define ROW12(i, bc, c0, c1) \
	VBROADCASTSS ((i)*4)(AX), bc; \
	VFMADD231PS  Z24, bc, c0; \
	VFMADD231PS  Z25, bc, c1

#define STEP12x32(p) \
	VMOVUPS ((p)*128)(BX), Z24; \
	VMOVUPS ((p)*128+64)(BX), Z25; \
	ROW12((p)*12+0, Z26, Z0, Z1); \
	ROW12((p)*12+1, Z27, Z2, Z3); \
	ROW12((p)*12+2, Z28, Z4, Z5); \
	ROW12((p)*12+3, Z29, Z6, Z7); \
	ROW12((p)*12+4, Z30, Z8, Z9); \
	ROW12((p)*12+5, Z31, Z10, Z11); \
	ROW12((p)*12+6, Z26, Z12, Z13); \
	ROW12((p)*12+7, Z27, Z14, Z15); \
	ROW12((p)*12+8, Z28, Z16, Z17); \
	ROW12((p)*12+9, Z29, Z18, Z19); \
	ROW12((p)*12+10, Z30, Z20, Z21); \
	ROW12((p)*12+11, Z31, Z22, Z23)

// func gemmAVX512x12x32(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)
TEXT ·gemmAVX512x12x32(SB), NOSPLIT, $0-49
	PROLOGUE12x32

loop4_12x32:
	CMPQ CX, $4
	JLT  tail_12x32
	STEP12x32(0)
	STEP12x32(1)
	STEP12x32(2)
	STEP12x32(3)
	ADDQ $(4*12*4), AX
	ADDQ $(4*32*4), BX
	SUBQ $4, CX
	JMP  loop4_12x32

tail_12x32:
	TESTQ CX, CX
	JZ    epilogue_12x32
	STEP12x32(0)
	ADDQ  $(12*4), AX
	ADDQ  $(32*4), BX
	DECQ  CX
	JMP   tail_12x32

epilogue_12x32:
	EPILOGUE12x32

// ---------------------------------------------------------------------------
// AVX-512, 12×32, on strided operands.
//
// The same tile, reading op(A)[i, p] at a[i·ars + p·aps] and op(B)[p, j]
// at b[p·bps + j] for i < 12, j < 32: an A stored M×K (ars = lda, aps = 1)
// or K×M (ars = 1, aps = lda), a B stored K×N (bps = ldb), or packed ones
// (ars = 1, aps = 12; bps = 32). The twelve rows of a are reached from
// four base pointers, three rows apart, with ars and 2·ars as the index
// (x86 addressing has one index register); after each step the four
// pointers move by aps and b by bps:
//	AX rows 0..2, DX rows 3..5, R12 rows 6..8, R13 rows 9..11,
//	R11 ars, R14 aps, R10 bps, all in bytes
// The step's arithmetic, and so its bits, are the packed kernel's.

// ROWS is one row of a step: broadcast the value of a at addr and add its
// products with the step's row of b (Z24, Z25) to the row's accumulators.
#define ROWS(addr, bc, c0, c1) \
	VBROADCASTSS addr, bc; \
	VFMADD231PS  Z24, bc, c0; \
	VFMADD231PS  Z25, bc, c1

// ROWS8 and ROWS12 are a step's first 8 and all 12 rows: a reached from
// four base pointers, three rows apart (AX, DX, R12, R13), with ars (R11)
// and 2·ars as the index.
#define ROWS8 \
	ROWS((AX), Z26, Z0, Z1); \
	ROWS((AX)(R11*1), Z27, Z2, Z3); \
	ROWS((AX)(R11*2), Z28, Z4, Z5); \
	ROWS((DX), Z29, Z6, Z7); \
	ROWS((DX)(R11*1), Z30, Z8, Z9); \
	ROWS((DX)(R11*2), Z31, Z10, Z11); \
	ROWS((R12), Z26, Z12, Z13); \
	ROWS((R12)(R11*1), Z27, Z14, Z15)

#define ROWS12 \
	ROWS8; \
	ROWS((R12)(R11*2), Z28, Z16, Z17); \
	ROWS((R13), Z29, Z18, Z19); \
	ROWS((R13)(R11*1), Z30, Z20, Z21); \
	ROWS((R13)(R11*2), Z31, Z22, Z23)

// ROWPOINTERS sets DX, R12 and R13 to rows 3, 6 and 9 of a (AX), ars
// (R11) bytes a row.
#define ROWPOINTERS \
	LEAQ (AX)(R11*2), DX;   \
	ADDQ R11, DX;           \
	LEAQ (DX)(R11*2), R12;  \
	ADDQ R11, R12;          \
	LEAQ (R12)(R11*2), R13; \
	ADDQ R11, R13

#define STEPS12x32 \
	VMOVUPS (BX), Z24; \
	VMOVUPS 64(BX), Z25; \
	ROWS12

#define ADVANCES \
	ADDQ R14, AX;  \
	ADDQ R14, DX;  \
	ADDQ R14, R12; \
	ADDQ R14, R13; \
	ADDQ R10, BX

// func gemmAVX512x12x32S(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool, ars int, aps int, bps int)
TEXT ·gemmAVX512x12x32S(SB), NOSPLIT, $0-80
	PROLOGUE12x32
	MOVQ ars+56(FP), R11
	SHLQ $2, R11
	MOVQ aps+64(FP), R14
	SHLQ $2, R14
	MOVQ bps+72(FP), R10
	SHLQ $2, R10
	ROWPOINTERS

loop2_s:
	CMPQ CX, $2
	JLT  tail_s
	STEPS12x32
	ADVANCES
	STEPS12x32
	ADVANCES
	SUBQ $2, CX
	JMP  loop2_s

tail_s:
	TESTQ CX, CX
	JZ    epilogue_s
	STEPS12x32

epilogue_s:
	EPILOGUE12x32

// ---------------------------------------------------------------------------
// AVX-512, 12×32, with the rows of b found through a table.
//
// The strided tile with op(B)[p, j] at b[offs[p] + j]: each step's row of b
// is wherever the table says, as the rows of a convolution's col matrix
// lie in its prepared planes (one run of the planes per row, conv.go), so
// that they need no packing. a is read as in the strided kernel. Before
// each step the row's offset (in floats) is loaded into R9, which holds
// load for the epilogue and is loaded again after the k loop:
//	R10 the table, advanced by 8 bytes a step
// The step's arithmetic, and so its bits, are the packed kernel's.

#define STEPI12x32 \
	MOVQ    (R10), R9; \
	VMOVUPS (BX)(R9*4), Z24; \
	VMOVUPS 64(BX)(R9*4), Z25; \
	ROWS12

#define ADVANCEI \
	ADDQ R14, AX;  \
	ADDQ R14, DX;  \
	ADDQ R14, R12; \
	ADDQ R14, R13; \
	ADDQ $8, R10

// func gemmAVX512x12x32I(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool, ars int, aps int, offs *int)
TEXT ·gemmAVX512x12x32I(SB), NOSPLIT, $0-80
	PROLOGUE12x32
	MOVQ ars+56(FP), R11
	SHLQ $2, R11
	MOVQ aps+64(FP), R14
	SHLQ $2, R14
	MOVQ offs+72(FP), R10
	ROWPOINTERS

loop2_i:
	CMPQ CX, $2
	JLT  tail_i
	STEPI12x32
	ADVANCEI
	STEPI12x32
	ADVANCEI
	SUBQ $2, CX
	JMP  loop2_i

tail_i:
	TESTQ CX, CX
	JZ    epilogue_i
	STEPI12x32

epilogue_i:
	MOVBLZX load+48(FP), R9
	EPILOGUE12x32

// ---------------------------------------------------------------------------
// AVX-512, 8×32, with the rows of b found through a table: the 12-row
// table-driven kernel for 8 rows, with its epilogue. A block of rows that
// is not a multiple of 12 is cut into slivers of 12 and of 8 where it can
// be (64 rows: four of 12 and two of 8, gemm.go's sliverSplit), and a
// ragged sliver of up to 8 rows (128 rows: ten of 12 and one of 8; 4
// rows) costs 8 rows of work, not 12. Its rows are computed in the 12-row
// kernel's order, so with its bits:
//	Z0..Z15 accumulators, Z24, Z25 the row of b (then the bias), Z26..Z31
//	broadcasts
//	AX rows 0..2, DX rows 3..5, R12 rows 6..7 (R13 moves unused), R11 ars,
//	R14 aps, R10 the table, R9 the step's offset (then load), R8 bias,
//	DI c, SI ldc in bytes

#define STEPI8x32 \
	MOVQ    (R10), R9; \
	VMOVUPS (BX)(R9*4), Z24; \
	VMOVUPS 64(BX)(R9*4), Z25; \
	ROWS8

// func gemmAVX512x8x32I(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool, ars int, aps int, offs *int)
TEXT ·gemmAVX512x8x32I(SB), NOSPLIT, $0-80
	MOVQ    kc+0(FP), CX
	MOVQ    a+8(FP), AX
	MOVQ    b+16(FP), BX
	MOVQ    c+24(FP), DI
	MOVQ    ldc+32(FP), SI
	SHLQ    $2, SI
	MOVQ    bias+40(FP), R8
	MOVQ    ars+56(FP), R11
	SHLQ    $2, R11
	MOVQ    aps+64(FP), R14
	SHLQ    $2, R14
	MOVQ    offs+72(FP), R10
	ROWPOINTERS
	VPXORD  Z0, Z0, Z0
	VPXORD  Z1, Z1, Z1
	VPXORD  Z2, Z2, Z2
	VPXORD  Z3, Z3, Z3
	VPXORD  Z4, Z4, Z4
	VPXORD  Z5, Z5, Z5
	VPXORD  Z6, Z6, Z6
	VPXORD  Z7, Z7, Z7
	VPXORD  Z8, Z8, Z8
	VPXORD  Z9, Z9, Z9
	VPXORD  Z10, Z10, Z10
	VPXORD  Z11, Z11, Z11
	VPXORD  Z12, Z12, Z12
	VPXORD  Z13, Z13, Z13
	VPXORD  Z14, Z14, Z14
	VPXORD  Z15, Z15, Z15

loop2_i8:
	CMPQ CX, $2
	JLT  tail_i8
	STEPI8x32
	ADVANCEI
	STEPI8x32
	ADVANCEI
	SUBQ $2, CX
	JMP  loop2_i8

tail_i8:
	TESTQ CX, CX
	JZ    epilogue_i8
	STEPI8x32

epilogue_i8:
	MOVBLZX load+48(FP), R9
	TESTQ   R8, R8
	JZ      nobias_i8
	VMOVUPS (R8), Z24
	VMOVUPS 64(R8), Z25
	BIAS2(Z0, Z1)
	BIAS2(Z2, Z3)
	BIAS2(Z4, Z5)
	BIAS2(Z6, Z7)
	BIAS2(Z8, Z9)
	BIAS2(Z10, Z11)
	BIAS2(Z12, Z13)
	BIAS2(Z14, Z15)

nobias_i8:
	TESTQ R9, R9
	JZ    store_i8
	LOADSTORE2(Z0, Z1)
	LOADSTORE2(Z2, Z3)
	LOADSTORE2(Z4, Z5)
	LOADSTORE2(Z6, Z7)
	LOADSTORE2(Z8, Z9)
	LOADSTORE2(Z10, Z11)
	LOADSTORE2(Z12, Z13)
	LOADSTORE2(Z14, Z15)
	VZEROUPPER
	RET

store_i8:
	STORE2(Z0, Z1)
	STORE2(Z2, Z3)
	STORE2(Z4, Z5)
	STORE2(Z6, Z7)
	STORE2(Z8, Z9)
	STORE2(Z10, Z11)
	STORE2(Z12, Z13)
	STORE2(Z14, Z15)
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// AVX2 + FMA, 6×16.
//
// Register plan (AVX2 has 16 vector registers):
//	Y0..Y11   accumulators: row i is Y(2i) (columns 0..7) and Y(2i+1) (8..15)
//	Y12, Y13  the current row of b (16 floats)
//	Y14, Y15  broadcasts of a, used in turn
//	AX a, BX b, CX steps left, DI c, SI ldc in bytes, R8 bias, R9 load
//
// Per step: 2 vector loads + 6 broadcasts for 12 FMAs.

#define ROW6x16(i, bc, c0, c1) \
	VBROADCASTSS ((i)*4)(AX), bc; \
	VFMADD231PS  Y12, bc, c0; \
	VFMADD231PS  Y13, bc, c1

#define STEP6x16(p) \
	VMOVUPS ((p)*64)(BX), Y12; \
	VMOVUPS ((p)*64+32)(BX), Y13; \
	ROW6x16((p)*6+0, Y14, Y0, Y1); \
	ROW6x16((p)*6+1, Y15, Y2, Y3); \
	ROW6x16((p)*6+2, Y14, Y4, Y5); \
	ROW6x16((p)*6+3, Y15, Y6, Y7); \
	ROW6x16((p)*6+4, Y14, Y8, Y9); \
	ROW6x16((p)*6+5, Y15, Y10, Y11)

#define BIASY(c0, c1) \
	VADDPS Y12, c0, c0; \
	VADDPS Y13, c1, c1

#define LOADSTOREY(c0, c1) \
	VADDPS  (DI), c0, c0; \
	VADDPS  32(DI), c1, c1; \
	VMOVUPS c0, (DI); \
	VMOVUPS c1, 32(DI); \
	ADDQ    SI, DI

#define STOREY(c0, c1) \
	VMOVUPS c0, (DI); \
	VMOVUPS c1, 32(DI); \
	ADDQ    SI, DI

// func gemmAVX2x6x16(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)
TEXT ·gemmAVX2x6x16(SB), NOSPLIT, $0-49
	MOVQ    kc+0(FP), CX
	MOVQ    a+8(FP), AX
	MOVQ    b+16(FP), BX
	MOVQ    c+24(FP), DI
	MOVQ    ldc+32(FP), SI
	SHLQ    $2, SI
	MOVQ    bias+40(FP), R8
	MOVBLZX load+48(FP), R9

	MOVQ       DI, R10 // prefetch the tile of c: one cache line per row
	PREFETCHT0 (R10)
	ADDQ       SI, R10
	PREFETCHT0 (R10)
	ADDQ       SI, R10
	PREFETCHT0 (R10)
	ADDQ       SI, R10
	PREFETCHT0 (R10)
	ADDQ       SI, R10
	PREFETCHT0 (R10)
	ADDQ       SI, R10
	PREFETCHT0 (R10)

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

loop4_6x16:
	CMPQ CX, $4
	JLT  tail_6x16
	STEP6x16(0)
	STEP6x16(1)
	STEP6x16(2)
	STEP6x16(3)
	ADDQ $(4*6*4), AX
	ADDQ $(4*16*4), BX
	SUBQ $4, CX
	JMP  loop4_6x16

tail_6x16:
	TESTQ CX, CX
	JZ    epilogue_6x16
	STEP6x16(0)
	ADDQ  $(6*4), AX
	ADDQ  $(16*4), BX
	DECQ  CX
	JMP   tail_6x16

epilogue_6x16:
	TESTQ R8, R8
	JZ    nobias_6x16
	VMOVUPS (R8), Y12
	VMOVUPS 32(R8), Y13
	BIASY(Y0, Y1)
	BIASY(Y2, Y3)
	BIASY(Y4, Y5)
	BIASY(Y6, Y7)
	BIASY(Y8, Y9)
	BIASY(Y10, Y11)

nobias_6x16:
	TESTQ R9, R9
	JZ    store_6x16
	LOADSTOREY(Y0, Y1)
	LOADSTOREY(Y2, Y3)
	LOADSTOREY(Y4, Y5)
	LOADSTOREY(Y6, Y7)
	LOADSTOREY(Y8, Y9)
	LOADSTOREY(Y10, Y11)
	VZEROUPPER
	RET

store_6x16:
	STOREY(Y0, Y1)
	STOREY(Y2, Y3)
	STOREY(Y4, Y5)
	STOREY(Y6, Y7)
	STOREY(Y8, Y9)
	STOREY(Y10, Y11)
	VZEROUPPER
	RET

// ---------------------------------------------------------------------------
// Peak loops for BenchmarkFMAPeak: n iterations of 16 (AVX-512) or 14
// (AVX2) independent FMA chains, more than the 2 ports × 4 cycles of
// latency needed to keep both FMA ports busy, and no memory traffic:
// 2·lanes FLOP per FMA.


// func fmaPeakAVX512(n int)
TEXT ·fmaPeakAVX512(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

peak512:
	VFMADD231PS Z30, Z31, Z0
	VFMADD231PS Z30, Z31, Z1
	VFMADD231PS Z30, Z31, Z2
	VFMADD231PS Z30, Z31, Z3
	VFMADD231PS Z30, Z31, Z4
	VFMADD231PS Z30, Z31, Z5
	VFMADD231PS Z30, Z31, Z6
	VFMADD231PS Z30, Z31, Z7
	VFMADD231PS Z30, Z31, Z8
	VFMADD231PS Z30, Z31, Z9
	VFMADD231PS Z30, Z31, Z10
	VFMADD231PS Z30, Z31, Z11
	VFMADD231PS Z30, Z31, Z12
	VFMADD231PS Z30, Z31, Z13
	VFMADD231PS Z30, Z31, Z14
	VFMADD231PS Z30, Z31, Z15
	DECQ CX
	JNZ  peak512
	VZEROUPPER
	RET

// func fmaPeakAVX2(n int)
TEXT ·fmaPeakAVX2(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

peak256:
	VFMADD231PS Y14, Y15, Y0
	VFMADD231PS Y14, Y15, Y1
	VFMADD231PS Y14, Y15, Y2
	VFMADD231PS Y14, Y15, Y3
	VFMADD231PS Y14, Y15, Y4
	VFMADD231PS Y14, Y15, Y5
	VFMADD231PS Y14, Y15, Y6
	VFMADD231PS Y14, Y15, Y7
	VFMADD231PS Y14, Y15, Y8
	VFMADD231PS Y14, Y15, Y9
	VFMADD231PS Y14, Y15, Y10
	VFMADD231PS Y14, Y15, Y11
	VFMADD231PS Y14, Y15, Y12
	VFMADD231PS Y14, Y15, Y13
	DECQ CX
	JNZ  peak256
	VZEROUPPER
	RET
