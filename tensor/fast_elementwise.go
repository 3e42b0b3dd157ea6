package tensor

// The fast device's elementwise, reduction and copy kernels: the reference
// math, walked row by row over contiguous memory and spread over the cores.
// They are bound by memory bandwidth, not arithmetic.

// Binary splits the rows of the [outer, mid, inner] view over the cores.
func (d *FastCPU) Binary(op BinaryOp, outB, aB, bB Buffer, outer, mid, inner int) {
	out, a, b := d.Floats(outB), d.Floats(aB), d.Floats(bB)
	if outer*mid == 1 { // same shapes: split the one long row
		parallelFor(inner, 1, func(lo, hi int) { binaryRow(op, out[lo:hi], a[lo:hi], b[lo:hi]) })
		return
	}
	parallelFor(outer*mid, inner, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			o := row / mid
			binaryRow(op, out[row*inner:(row+1)*inner], a[row*inner:(row+1)*inner], b[o*inner:(o+1)*inner])
		}
	})
}

// binaryRow is BinaryRef on one row with the choice of op outside the
// loop, so that each loop is a plain, bounds-check-free pass.
func binaryRow(op BinaryOp, out, a, b []float32) {
	n := len(out)
	a, b = a[:n], b[:n]
	switch op {
	case OpAdd:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case OpSub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case OpMul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	default:
		BinaryRef(op, out, a, b, 1, 1, n)
	}
}

// Sum adds the mid rows of each outer block into a float64 row, one
// contiguous row at a time (the reference walks down columns), and splits
// the columns over the cores; the kernel set's vector loop, where it has
// one, takes the leading columns, adding in the same order.
func (d *FastCPU) Sum(outB, xB Buffer, outer, mid, inner int) {
	out, x := d.Floats(outB), d.Floats(xB)
	if inner == 1 { // a sum over whole rows: split the rows instead
		parallelFor(outer, mid, func(lo, hi int) { SumRef(out[lo:hi], x[lo*mid:hi*mid], hi-lo, mid, 1) })
		return
	}
	parallelFor(inner, outer*mid, func(lo, hi int) {
		acc := make([]float64, hi-lo)
		for o := range outer {
			clear(acc)
			block := x[o*mid*inner:]
			done := 0
			if sum := d.kernel.sumColumns; sum != nil {
				done = sum(acc, block[lo:], mid, inner)
			}
			for m := range mid {
				row := block[m*inner+lo+done : m*inner+hi]
				for i, v := range row {
					acc[done+i] += float64(v)
				}
			}
			for i, v := range acc {
				out[o*inner+lo+i] = float32(v)
			}
		}
	})
}

// GatedResidual splits the token rows over the cores.
func (d *FastCPU) GatedResidual(outB, xB, gateB, yB Buffer, nB, nT, nD int) {
	out, x, gate, y := d.Floats(outB), d.Floats(xB), d.Floats(gateB), d.Floats(yB)
	parallelFor(nB*nT, nD, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			g := gate[(row/nT)*nD : (row/nT+1)*nD]
			o, xr, yr := out[row*nD:(row+1)*nD], x[row*nD:(row+1)*nD], y[row*nD:(row+1)*nD]
			for i := range o {
				o[i] = xr[i] + g[i]*yr[i]
			}
		}
	})
}

// Scale splits the elements over the cores.
func (d *FastCPU) Scale(outB, xB Buffer, alpha float32, n int) {
	out, x := d.Floats(outB)[:n], d.Floats(xB)[:n]
	parallelFor(n, 1, func(lo, hi int) { ScaleRef(out[lo:hi], x[lo:hi], alpha) })
}
