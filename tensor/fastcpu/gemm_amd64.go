package fastcpu

// The assembly micro-kernels of gemm_amd64.s. Each computes one MR×NR tile
// with gemmTileGo's contract, reading a packed MR×kc sliver of op(A) and a
// packed kc×NR panel of op(B); ldc is in elements and bias is nil or NR
// floats.

//go:noescape
func gemmAVX512x12x32(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)

//go:noescape
func gemmAVX512x12x32S(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool, ars, aps, bps int)

//go:noescape
func gemmAVX512x12x32I(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool, ars, aps int, offs *int)

//go:noescape
func gemmAVX512x8x32I(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool, ars, aps int, offs *int)

//go:noescape
func gemmAVX2x6x16(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)

// asmTile wraps an assembly kernel in gemmKernel.tile's slice signature.
// The bounds checks keep a wrong call from writing outside c.
func asmTile(mr, nr int, kernel func(kc int, a, b, c *float32, ldc int, bias *float32, load bool)) func(kc int, a, b, c []float32, ldc int, bias []float32, load bool) {
	return func(kc int, a, b, c []float32, ldc int, bias []float32, load bool) {
		_, _, _ = a[mr*kc-1], b[nr*kc-1], c[(mr-1)*ldc+nr-1]
		var bp *float32
		if bias != nil {
			_ = bias[nr-1]
			bp = &bias[0]
		}
		kernel(kc, &a[0], &b[0], &c[0], ldc, bp, load)
	}
}

// asmTileS wraps an assembly kernel on strided operands in
// gemmKernel.tileS's slice signature, with asmTile's bounds checks.
func asmTileS(mr, nr int, kernel func(kc int, a, b, c *float32, ldc int, bias *float32, load bool, ars, aps, bps int)) func(kc int, a []float32, ars, aps int, b []float32, bps int, c []float32, ldc int, bias []float32, load bool) {
	return func(kc int, a []float32, ars, aps int, b []float32, bps int, c []float32, ldc int, bias []float32, load bool) {
		_, _, _ = a[(mr-1)*ars+(kc-1)*aps], b[(kc-1)*bps+nr-1], c[(mr-1)*ldc+nr-1]
		var bp *float32
		if bias != nil {
			_ = bias[nr-1]
			bp = &bias[0]
		}
		kernel(kc, &a[0], &b[0], &c[0], ldc, bp, load, ars, aps, bps)
	}
}

// asmTileI wraps an assembly kernel that finds the rows of b through a
// table in gemmKernel.tileI's slice signature, with asmTile's bounds
// checks; maxOff bounds the table's offsets (checked by the caller, once
// for the table, not once a tile).
func asmTileI(mr, nr int, kernel func(kc int, a, b, c *float32, ldc int, bias *float32, load bool, ars, aps int, offs *int)) func(kc int, a []float32, ars, aps int, b []float32, offs []int, maxOff int, c []float32, ldc int, bias []float32, load bool) {
	return func(kc int, a []float32, ars, aps int, b []float32, offs []int, maxOff int, c []float32, ldc int, bias []float32, load bool) {
		_, _, _, _ = a[(mr-1)*ars+(kc-1)*aps], offs[kc-1], b[maxOff+nr-1], c[(mr-1)*ldc+nr-1]
		var bp *float32
		if bias != nil {
			_ = bias[nr-1]
			bp = &bias[0]
		}
		kernel(kc, &a[0], &b[0], &c[0], ldc, bp, load, ars, aps, &offs[0])
	}
}

// The AVX-512 packing routines of gemm_pack_amd64.s, as packPanel
// describes them for one group of up to 16 lanes.

//go:noescape
func gemmPackT16(dst *float32, src *float32, lds int, ldd int, kc int, h int, lanes int)

//go:noescape
func gemmPackN16(dst *float32, src *float32, lds int, ldd int, kc int, h int, lanes int)

func packAVX512(dst, src *float32, lds, ldd, kc, h, lanes int, transpose bool) {
	if transpose {
		gemmPackT16(dst, src, lds, ldd, kc, h, lanes)
	} else {
		gemmPackN16(dst, src, lds, ldd, kc, h, lanes)
	}
}

// fmaPeakAVX512 and fmaPeakAVX2 run n iterations of 16 (14) independent
// FMAs on 16 (8) lanes, with no memory traffic: the FMA peak that
// BenchmarkFMAPeak measures and the matmul is compared with.
func fmaPeakAVX512(n int)
func fmaPeakAVX2(n int)
