package fastcpu

import "github.com/ditgo/ditgo/tensor"

// AdamW and EMA on the fast device: the reference loops, each element
// independent, split over the cores — so the result is bit for bit the
// reference's, whatever the split. AdamW runs the instruction set's vector
// loop (optim_amd64.s) where it has one, which computes the same
// operations in the same order.

func (d *Device) AdamW(paramB, gradB, mB, vB tensor.Buffer, n int, args tensor.AdamWArgs) {
	p, g, m, v := d.Floats(paramB)[:n], d.Floats(gradB)[:n], d.Floats(mB)[:n], d.Floats(vB)[:n]
	c := tensor.AdamWConsts(args)
	parallelFor(n, 8, func(lo, hi int) {
		if d.set.adamW != nil {
			lo += d.set.adamW(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], &c)
		}
		tensor.AdamWRef(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], args)
	})
}

func (d *Device) EMA(emaB, paramB tensor.Buffer, decay float32, n int) {
	e, p := d.Floats(emaB)[:n], d.Floats(paramB)[:n]
	parallelFor(n, 1, func(lo, hi int) { tensor.EMARef(e[lo:hi], p[lo:hi], decay) })
}
