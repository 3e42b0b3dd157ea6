package tensor

// AdamW and EMA on the fast device: the reference loops, each element
// independent, split over the cores — so the result is bit for bit the
// reference's, whatever the split. AdamW runs the kernel set's vector loop
// where it has one, which computes the same operations in the same order.

func (d *FastCPU) AdamW(paramB, gradB, mB, vB Buffer, n int, args AdamWArgs) {
	p, g, m, v := d.Floats(paramB)[:n], d.Floats(gradB)[:n], d.Floats(mB)[:n], d.Floats(vB)[:n]
	c := AdamWConsts(args)
	parallelFor(n, 8, func(lo, hi int) {
		if k := d.kernel; k.adamW != nil {
			lo += k.adamW(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], &c)
		}
		AdamWRef(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], args)
	})
}

func (d *FastCPU) EMA(emaB, paramB Buffer, decay float32, n int) {
	e, p := d.Floats(emaB)[:n], d.Floats(paramB)[:n]
	parallelFor(n, 1, func(lo, hi int) { EMARef(e[lo:hi], p[lo:hi], decay) })
}
