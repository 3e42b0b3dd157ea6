package tensor

import (
	"math"

	"github.com/klauspost/cpuid/v2"
)

// The assembly micro-kernels of gemm_amd64.s. Each computes one MR×NR tile
// with gemmTileGo's contract, reading a packed MR×kc sliver of op(A) and a
// packed kc×NR panel of op(B); ldc is in elements and bias is nil or NR
// floats.

//go:noescape
func gemmAVX512x12x32(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)

//go:noescape
func gemmAVX2x6x16(kc int, a *float32, b *float32, c *float32, ldc int, bias *float32, load bool)

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

// geluAVX512 and geluBackwardAVX512 (gelu_amd64.s) are tanh-GELU and its
// gradient on n elements, n a multiple of 16.
//
//go:noescape
func geluAVX512(out, x *float32, n int)

//go:noescape
func geluBackwardAVX512(dx, dy, x *float32, n int)

// geluAVX2 and geluBackwardAVX2 are the same on n elements, n a multiple
// of 8, with AVX2 and FMA.
//
//go:noescape
func geluAVX2(out, x *float32, n int)

//go:noescape
func geluBackwardAVX2(dx, dy, x *float32, n int)

// softmaxRowAVX512 and softmaxGradRowAVX512 (softmax_amd64.s) are the
// row loops of the fast attention, softmaxRow and softmaxGradRow, for a
// row of any length n ≥ 1.
//
//go:noescape
func softmaxRowAVX512(row *float32, n int, scale float32) (m, sum float32)

//go:noescape
func softmaxGradRowAVX512(p, ds *float32, n int, scale, lse float32)

// sumColumnsF64AVX512 (sum_amd64.s) adds, for each of cols columns (a
// multiple of 16), the rows of x, stride floats apart, into acc in float64.
//
//go:noescape
func sumColumnsF64AVX512(acc *float64, x *float32, cols, rows, stride int)

// adamWAVX512 (adamw_amd64.s) is AdamWRef on n elements, n a multiple of
// 8, with c = AdamWConsts.
//
//go:noescape
func adamWAVX512(p, grad, m, v *float32, n int, c *[8]float64)

// fmaPeakAVX512 and fmaPeakAVX2 run n iterations of 16 (14) independent
// FMAs on 16 (8) lanes, with no memory traffic: the FMA peak that
// BenchmarkFMAPeak measures and the matmul is compared with.
func fmaPeakAVX512(n int)
func fmaPeakAVX2(n int)

var avx512Kernel = &gemmKernel{
	name: "avx512", mr: 12, nr: 32,
	kc: 384, mc: 3072, nc: 768,
	tile:   asmTile(12, 32, gemmAVX512x12x32),
	pack16: packAVX512,
	peak:   fmaPeakAVX512, peakFLOP: 16 * 16 * 2,
	gelu: func(out, x []float32) {
		if len(x) > 0 {
			_ = out[len(x)-1]
			geluAVX512(&out[0], &x[0], len(x))
		}
	},
	geluBackward: func(dx, dy, x []float32) {
		if len(x) > 0 {
			_, _ = dx[len(x)-1], dy[len(x)-1]
			geluBackwardAVX512(&dx[0], &dy[0], &x[0], len(x))
		}
	},
	lanes: 16,
	softmaxRow: func(row []float32, scale float32) float32 {
		m, sum := softmaxRowAVX512(&row[0], len(row), scale)
		return m + float32(math.Log(float64(sum)))
	},
	softmaxGradRow: func(p, ds []float32, scale, lse float32) {
		_ = ds[len(p)-1]
		softmaxGradRowAVX512(&p[0], &ds[0], len(p), scale, lse)
	},
	adamW: func(p, g, m, v []float32, c *[8]float64) int {
		n := len(p) / 8 * 8
		if n > 0 {
			_, _, _ = g[n-1], m[n-1], v[n-1]
			adamWAVX512(&p[0], &g[0], &m[0], &v[0], n, c)
		}
		return n
	},
	sumColumns: func(acc []float64, x []float32, rows, stride int) int {
		cols := len(acc) / 16 * 16
		if cols > 0 && rows > 0 {
			_ = x[(rows-1)*stride+cols-1]
			sumColumnsF64AVX512(&acc[0], &x[0], cols, rows, stride)
		}
		return cols
	},
}

var avx2Kernel = &gemmKernel{
	name: "avx2", mr: 6, nr: 16,
	kc: 384, mc: 3072, nc: 768,
	tile: asmTile(6, 16, gemmAVX2x6x16),
	peak: fmaPeakAVX2, peakFLOP: 14 * 8 * 2,
	gelu: func(out, x []float32) {
		if len(x) > 0 {
			_ = out[len(x)-1]
			geluAVX2(&out[0], &x[0], len(x))
		}
	},
	geluBackward: func(dx, dy, x []float32) {
		if len(x) > 0 {
			_, _ = dx[len(x)-1], dy[len(x)-1]
			geluBackwardAVX2(&dx[0], &dy[0], &x[0], len(x))
		}
	},
	lanes: 8,
}

// gemmKernels lists the micro-kernels this CPU can run, fastest first.
// cpuid also checks that the operating system saves the vector registers.
func gemmKernels() []*gemmKernel {
	var ks []*gemmKernel
	if cpuid.CPU.Supports(cpuid.AVX512F) {
		ks = append(ks, avx512Kernel)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, genericKernel)
}

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
