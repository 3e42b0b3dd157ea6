package fastcpu

// LayerNormModulateBackward's last pass in assembly (layernorm_amd64.s).

//go:noescape
func modulatedRowGradAVX512(o, ds, dc, dy, xr, sc *float32, n int, mu, rs, gMean, gxMean float32)

// modulatedRowGradAVX512Slice runs modulatedRowGradAVX512 on the leading
// multiple of 16 floats of the row and returns their count.
func modulatedRowGradAVX512Slice(o, ds, dc, g, xr, sc []float32, mu, rs, gMean, gxMean float32) int {
	n := len(xr) / 16 * 16
	if n == 0 {
		return 0
	}
	_, _, _, _, _ = o[n-1], ds[n-1], dc[n-1], g[n-1], sc[n-1]
	modulatedRowGradAVX512(&o[0], &ds[0], &dc[0], &g[0], &xr[0], &sc[0], n, mu, rs, gMean, gxMean)
	return n
}

//go:noescape
func modulateRowAVX512(o, xr, sh, sc *float32, n int, mu, rs float32)

// modulateRowAVX512Slice runs modulateRowAVX512 on the leading multiple of
// 16 floats of the row and returns their count.
func modulateRowAVX512Slice(o, xr, sh, sc []float32, mu, rs float32) int {
	n := len(xr) / 16 * 16
	if n == 0 {
		return 0
	}
	_, _, _ = o[n-1], sh[n-1], sc[n-1]
	modulateRowAVX512(&o[0], &xr[0], &sh[0], &sc[0], n, mu, rs)
	return n
}
