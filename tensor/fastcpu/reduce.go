package fastcpu

import "github.com/ditgo/ditgo/tensor"

// Sum adds the mid rows of each outer block into a float64 row, one
// contiguous row at a time (the reference walks down columns), and splits
// the columns over the cores; the instruction set's vector loop
// (reduce_amd64.s), where it has one, takes the leading columns, adding in
// the same order.
func (d *Device) Sum(outB, xB tensor.Buffer, outer, mid, inner int) {
	out, x := d.Floats(outB), d.Floats(xB)
	if inner == 1 { // a sum over whole rows: split the rows instead
		parallelFor(outer, mid, func(lo, hi int) { tensor.SumRef(out[lo:hi], x[lo*mid:hi*mid], hi-lo, mid, 1) })
		return
	}
	parallelFor(inner, outer*mid, func(lo, hi int) {
		acc := make([]float64, hi-lo)
		for o := range outer {
			clear(acc)
			block := x[o*mid*inner:]
			done := 0
			if sum := d.set.sumColumns; sum != nil {
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
