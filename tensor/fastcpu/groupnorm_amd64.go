package fastcpu

// The AVX-512 and AVX2 loops of GroupNorm (groupnorm_amd64.s): the block
// sums over blocks of momentBlock values, and the rows on n values, n a
// multiple of 16 (AVX-512) or 8 (AVX2).

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

//go:noescape
func groupSumAVX2(x *float32, blocks int) float64

//go:noescape
func groupSquaresAVX2(x *float32, blocks int, mu float32) float64

//go:noescape
func channelSumsAVX2(dout, x *float32, blocks int, mu float32) (s1, sxd float64)

//go:noescape
func groupNormRowAVX2(out, x *float32, n int, mu, m, add float32)

//go:noescape
func groupNormGradRowAVX2(dx, dout, x *float32, n int, mu, kr, slope, offset float32)

// groupNormAVX512 and groupNormAVX2 are instructionSet.groupNorm on
// AVX-512 and on AVX2: the assembly in the slice forms of groupNormLoops,
// whose bounds checks keep a wrong call from reading or writing outside
// its slices.
var (
	groupNormAVX512 = asmGroupNorm(16, groupSumAVX512, groupSquaresAVX512, channelSumsAVX512, groupNormRowAVX512, groupNormGradRowAVX512)
	groupNormAVX2   = asmGroupNorm(8, groupSumAVX2, groupSquaresAVX2, channelSumsAVX2, groupNormRowAVX2, groupNormGradRowAVX2)
)

func asmGroupNorm(lanes int,
	sum func(x *float32, blocks int) float64,
	squares func(x *float32, blocks int, mu float32) float64,
	channel func(dout, x *float32, blocks int, mu float32) (float64, float64),
	norm func(out, x *float32, n int, mu, m, add float32),
	normGrad func(dx, dout, x *float32, n int, mu, kr, slope, offset float32)) *groupNormLoops {
	return &groupNormLoops{
		sum: func(x []float32) float64 {
			if len(x) < momentBlock {
				return 0
			}
			return sum(&x[0], len(x)/momentBlock)
		},
		squares: func(x []float32, mu float32) float64 {
			if len(x) < momentBlock {
				return 0
			}
			return squares(&x[0], len(x)/momentBlock, mu)
		},
		channelSums: func(dout, x []float32, mu float32) (float64, float64) {
			if len(x) < momentBlock {
				return 0, 0
			}
			_ = dout[len(x)/momentBlock*momentBlock-1]
			return channel(&dout[0], &x[0], len(x)/momentBlock, mu)
		},
		norm: func(out, x []float32, mu, m, add float32) {
			if n := len(x) / lanes * lanes; n > 0 {
				_ = out[n-1]
				norm(&out[0], &x[0], n, mu, m, add)
			}
		},
		normGrad: func(dx, dout, x []float32, mu, kr, slope, offset float32) {
			if n := len(x) / lanes * lanes; n > 0 {
				_, _ = dx[n-1], dout[n-1]
				normGrad(&dx[0], &dout[0], &x[0], n, mu, kr, slope, offset)
			}
		},
		lanes: lanes,
	}
}
