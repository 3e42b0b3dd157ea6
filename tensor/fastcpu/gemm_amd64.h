// The frame of the AVX-512 12×32 GEMM micro-kernels, shared by the float32
// kernels (gemm_amd64.s: on packed operands, on strided ones, and with the
// rows of b found through a table) and the bfloat16 one
// (gemm_bf16_amd64.s), which differ only in their k loops.
// All have gemmTileGo's contract and begin with the Go signature
//
//	func(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)
//
// (the strided kernel takes its three strides after these, and uses R10
// for one of them once the prologue is done with it; the table-driven one
// takes two strides and the table, and uses R9 in its k loop, loading
// load again before the epilogue).
//
// Register plan:
//	Z0..Z23   accumulators: row i of the tile is Z(2i) (columns 0..15) and Z(2i+1) (16..31)
//	Z24..Z31  free for the k loop; the epilogue uses Z24, Z25 for the bias
//	AX a, BX b, CX kc, DI c, SI ldc in bytes, R8 bias, R9 load, R10 scratch
//
// PROLOGUE12x32 loads the arguments, prefetches the tile of c (so that the
// epilogue finds it in L1 after the k loop) and zeroes the accumulators.
// EPILOGUE12x32 adds the bias row, then the old c when load is set, stores
// the tile and returns: the sum is formed first, then the bias and the old
// c added in that order, as gemmTileGo does.

// PREFETCHC2 asks for one row of the C tile (two cache lines) to be loaded
// into L1 while the k loop runs.
#define PREFETCHC2 \
	PREFETCHT0 (R10);   \
	PREFETCHT0 64(R10); \
	ADDQ       SI, R10

#define PROLOGUE12x32 \
	MOVQ    kc+0(FP), CX;    \
	MOVQ    a+8(FP), AX;     \
	MOVQ    b+16(FP), BX;    \
	MOVQ    c+24(FP), DI;    \
	MOVQ    ldc+32(FP), SI;  \
	SHLQ    $2, SI;          \
	MOVQ    bias+40(FP), R8; \
	MOVBLZX load+48(FP), R9; \
	MOVQ    DI, R10;         \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	PREFETCHC2;              \
	VPXORD  Z0, Z0, Z0;      \
	VPXORD  Z1, Z1, Z1;      \
	VPXORD  Z2, Z2, Z2;      \
	VPXORD  Z3, Z3, Z3;      \
	VPXORD  Z4, Z4, Z4;      \
	VPXORD  Z5, Z5, Z5;      \
	VPXORD  Z6, Z6, Z6;      \
	VPXORD  Z7, Z7, Z7;      \
	VPXORD  Z8, Z8, Z8;      \
	VPXORD  Z9, Z9, Z9;      \
	VPXORD  Z10, Z10, Z10;   \
	VPXORD  Z11, Z11, Z11;   \
	VPXORD  Z12, Z12, Z12;   \
	VPXORD  Z13, Z13, Z13;   \
	VPXORD  Z14, Z14, Z14;   \
	VPXORD  Z15, Z15, Z15;   \
	VPXORD  Z16, Z16, Z16;   \
	VPXORD  Z17, Z17, Z17;   \
	VPXORD  Z18, Z18, Z18;   \
	VPXORD  Z19, Z19, Z19;   \
	VPXORD  Z20, Z20, Z20;   \
	VPXORD  Z21, Z21, Z21;   \
	VPXORD  Z22, Z22, Z22;   \
	VPXORD  Z23, Z23, Z23

// Epilogue helpers: add the bias row (Z24, Z25) to one tile row; add the
// old c row and store it; or just store it. DI steps down the rows.
#define BIAS2(c0, c1) \
	VADDPS Z24, c0, c0; \
	VADDPS Z25, c1, c1

#define LOADSTORE2(c0, c1) \
	VADDPS  (DI), c0, c0; \
	VADDPS  64(DI), c1, c1; \
	VMOVUPS c0, (DI); \
	VMOVUPS c1, 64(DI); \
	ADDQ    SI, DI

#define STORE2(c0, c1) \
	VMOVUPS c0, (DI); \
	VMOVUPS c1, 64(DI); \
	ADDQ    SI, DI

#define EPILOGUE12x32 \
	TESTQ R8, R8;          \
	JZ    nobias;          \
	VMOVUPS (R8), Z24;     \
	VMOVUPS 64(R8), Z25;   \
	BIAS2(Z0, Z1);         \
	BIAS2(Z2, Z3);         \
	BIAS2(Z4, Z5);         \
	BIAS2(Z6, Z7);         \
	BIAS2(Z8, Z9);         \
	BIAS2(Z10, Z11);       \
	BIAS2(Z12, Z13);       \
	BIAS2(Z14, Z15);       \
	BIAS2(Z16, Z17);       \
	BIAS2(Z18, Z19);       \
	BIAS2(Z20, Z21);       \
	BIAS2(Z22, Z23);       \
nobias:                    \
	TESTQ R9, R9;          \
	JZ    store;           \
	LOADSTORE2(Z0, Z1);    \
	LOADSTORE2(Z2, Z3);    \
	LOADSTORE2(Z4, Z5);    \
	LOADSTORE2(Z6, Z7);    \
	LOADSTORE2(Z8, Z9);    \
	LOADSTORE2(Z10, Z11);  \
	LOADSTORE2(Z12, Z13);  \
	LOADSTORE2(Z14, Z15);  \
	LOADSTORE2(Z16, Z17);  \
	LOADSTORE2(Z18, Z19);  \
	LOADSTORE2(Z20, Z21);  \
	LOADSTORE2(Z22, Z23);  \
	VZEROUPPER;            \
	RET;                   \
store:                     \
	STORE2(Z0, Z1);        \
	STORE2(Z2, Z3);        \
	STORE2(Z4, Z5);        \
	STORE2(Z6, Z7);        \
	STORE2(Z8, Z9);        \
	STORE2(Z10, Z11);      \
	STORE2(Z12, Z13);      \
	STORE2(Z14, Z15);      \
	STORE2(Z16, Z17);      \
	STORE2(Z18, Z19);      \
	STORE2(Z20, Z21);      \
	STORE2(Z22, Z23);      \
	VZEROUPPER;            \
	RET
