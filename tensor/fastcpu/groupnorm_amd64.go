package fastcpu

// The AVX-512 loops of GroupNorm (groupnorm_amd64.s): the block sums over
// blocks of momentBlock values, and the rows on n values, n a multiple of
// 16.

//go:noescape
func groupSumAVX512(x *float32, blocks int) float64

//go:noescape
func groupSquaresAVX512(x *float32, blocks int, mu float32) float64

//go:noescape
func channelSumsAVX512(dout, x *float32, blocks int, mu float32) (s1, sxd float64)

//go:noescape
func groupNormRowAVX512(out, x *float32, n int, mu, m, add float32)

//go:noescape
func groupNormGradRowAVX512(dx, dout, x *float32, n int, mu, kr, slope, offset float32)

// groupNormAVX512 is instructionSet.groupNorm on AVX-512: the assembly in
// the slice forms of groupNormLoops, whose bounds checks keep a wrong call
// from reading or writing outside its slices.
var groupNormAVX512 = &groupNormLoops{
	sum: func(x []float32) float64 {
		if len(x) < momentBlock {
			return 0
		}
		return groupSumAVX512(&x[0], len(x)/momentBlock)
	},
	squares: func(x []float32, mu float32) float64 {
		if len(x) < momentBlock {
			return 0
		}
		return groupSquaresAVX512(&x[0], len(x)/momentBlock, mu)
	},
	channelSums: func(dout, x []float32, mu float32) (float64, float64) {
		if len(x) < momentBlock {
			return 0, 0
		}
		_ = dout[len(x)/momentBlock*momentBlock-1]
		return channelSumsAVX512(&dout[0], &x[0], len(x)/momentBlock, mu)
	},
	norm: func(out, x []float32, mu, m, add float32) {
		if len(x) >= 16 {
			_ = out[len(x)/16*16-1]
			groupNormRowAVX512(&out[0], &x[0], len(x)/16*16, mu, m, add)
		}
	},
	normGrad: func(dx, dout, x []float32, mu, kr, slope, offset float32) {
		if len(x) >= 16 {
			n := len(x) / 16 * 16
			_, _ = dx[n-1], dout[n-1]
			groupNormGradRowAVX512(&dx[0], &dout[0], &x[0], n, mu, kr, slope, offset)
		}
	},
	lanes: 16,
}
