package fastcpu

// adamWAVX512 (optim_amd64.s) is tensor.AdamWRef on n elements, n a
// multiple of 8, with c = tensor.AdamWConsts.
//
//go:noescape
func adamWAVX512(p, grad, m, v *float32, n int, c *[8]float64)

// adamWAVX512Slice is instructionSet.adamW: it takes the leading multiple
// of 8 of the len(p) elements.
func adamWAVX512Slice(p, g, m, v []float32, c *[8]float64) int {
	n := len(p) / 8 * 8
	if n > 0 {
		_, _, _ = g[n-1], m[n-1], v[n-1]
		adamWAVX512(&p[0], &g[0], &m[0], &v[0], n, c)
	}
	return n
}
