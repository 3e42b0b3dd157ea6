package fastcpu

// gemmKernel is the GEMM micro-kernel of one instruction set and the block
// sizes tuned for it (see gemm.go for how the blocks are used).
type gemmKernel struct {
	mr, nr int // the micro-kernel computes an mr×nr tile of C
	kc     int // depth of a block: an mr×kc sliver of op(A) stays in L1
	mc     int // rows of op(A) packed at once (L3), a multiple of mr
	nc     int // columns of op(B) packed at once (L2), a multiple of nr
	// tile computes one mr×nr tile of C, as gemmTileGo does for 4×4.
	tile func(kc int, a, b, c []float32, ldc int, bias []float32, load bool)
	// tileS, if not nil, is tile on operands in any layout: it reads
	// op(A)[i, p] at a[i*ars+p*aps] and op(B)[p, j] at b[p*bps+j], so that
	// a sliver or panel that lies in memory as a plain matrix needs no
	// packing (gemm.go's gemmWorker). It does tile's arithmetic in tile's
	// order, so the two give the same bits.
	tileS func(kc int, a []float32, ars, aps int, b []float32, bps int, c []float32, ldc int, bias []float32, load bool)
	// tileI, if not nil, is tileS with op(B)[p, j] at b[offs[p]+j]: rows
	// of B that lie anywhere (a convolution's col matrix in its prepared
	// planes, gemmOperands.rowsB), every offset at most maxOff. The same
	// arithmetic in the same order again.
	tileI func(kc int, a []float32, ars, aps int, b []float32, offs []int, maxOff int, c []float32, ldc int, bias []float32, load bool)
	// edgeI, if not nil, is tileI for edgeRows rows: the slivers of
	// edgeRows rows that gemmWorker cuts (sliverSplit), and the ragged
	// sliver of a product whose rows are not a multiple of mr, whose sum
	// it writes to a temporary (no bias, no load), so that the ragged
	// sliver costs edgeRows rows, not mr. The same arithmetic in the same
	// order as tile again.
	edgeI    func(kc int, a []float32, ars, aps int, b []float32, offs []int, maxOff int, c []float32, ldc int, bias []float32, load bool)
	edgeRows int
	// pack16, if not nil, packs up to 16 lanes at a time in assembly, as
	// packLanes describes; dst and src point into checked slices.
	pack16 func(dst, src *float32, lds, ldd, kc, h, lanes int, transpose bool)
	// packBF16 finishes in place a packed block of a BF16 product
	// (tensor.MatMulArgs.BF16): kc steps of w lanes, as packLanes wrote
	// them, become what tile reads (gemm_bf16.go). A float32 kernel rounds
	// every value to bfloat16; a kernel on bfloat16 pairs (pairs true)
	// packs two steps into each word, and runs only BF16 products.
	packBF16 func(block []float32, kc, w int)
	pairs    bool
	// packFP16, if not nil, rounds a packed block of a float16 product to
	// float16 in place, as roundFP16Block does (gemm_fp16.go).
	packFP16 func(block []float32, kc, w int)
	// addRow, if not nil, adds the leading values of two rows of one
	// length (out[j] = a[j] + b[j]) in a vector loop and returns their
	// count: an edge tile's bias and old values (gemmTile).
	addRow func(out, a, b []float32) int
	// peak, if not nil, runs n iterations of a loop of independent FMAs of
	// peakFLOP floating-point operations, the peak this kernel aims at.
	peak     func(n int)
	peakFLOP int
}

// gemmTileGo computes one 4×4 tile of C from a packed sliver a (4 floats of
// op(A) per step p, one from each row) and a packed panel b (4 floats of
// op(B) per step p):
//
//	sum[i,j] = Σ_{p<kc} a[p*4+i] · b[p*4+j]
//	c[i*ldc+j] = (load ? c[i*ldc+j] : 0) + (sum[i,j] + bias[j])
//
// bias is nil (no bias) or 4 floats. The sum is formed first and the bias
// and the old c are added after it, in that order; the assembly kernels do
// the same, so a tile's value does not depend on which kernel path (full
// tile or edge tile) computed it.
func gemmTileGo(kc int, a, b, c []float32, ldc int, bias []float32, load bool) {
	a, b = a[:4*kc], b[:4*kc]
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < 4*kc; p += 4 {
		as, bs := (*[4]float32)(a[p:p+4]), (*[4]float32)(b[p:p+4])
		a0, a1, a2, a3 := as[0], as[1], as[2], as[3]
		b0, b1, b2, b3 := bs[0], bs[1], bs[2], bs[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	sum := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	for i := range 4 {
		row := c[i*ldc : i*ldc+4]
		for j := range 4 {
			v := sum[i][j]
			if bias != nil {
				v += bias[j]
			}
			if load {
				v += row[j]
			}
			row[j] = v
		}
	}
}
