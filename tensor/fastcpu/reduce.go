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
		parallelFor(outer, mid, func(lo, hi int) { sumRows(out[lo:hi], x[lo*mid:hi*mid], mid) })
		return
	}
	// The cores take blocks of sumBlock columns, the vector loop's width,
	// so that only the last block of a row can be ragged.
	blocks := ceilDiv(inner, sumBlock)
	parallelFor(blocks, sumBlock*outer*mid, func(lo, hi int) {
		lo, hi = lo*sumBlock, min(hi*sumBlock, inner)
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

// sumBlock is the number of columns that the vector loop of Sum
// (instructionSet.sumColumns) adds in one pass down the rows.
const sumBlock = 16

// sumRows writes the sum of each row of x (len(out) rows of n) into out,
// each added in order in float64 as the reference does, four rows at a
// time: a row's additions wait on one another (four cycles each), and
// four independent rows fill that wait. The bias gradients of the U-Net's
// convolutions are such sums, over each image's channel planes.
func sumRows(out, x []float32, n int) {
	r := 0
	for ; r+4 <= len(out); r += 4 {
		x0, x1, x2, x3 := x[r*n:][:n], x[(r+1)*n:][:n], x[(r+2)*n:][:n], x[(r+3)*n:][:n]
		var a0, a1, a2, a3 float64
		for i := range x0 {
			a0 += float64(x0[i])
			a1 += float64(x1[i])
			a2 += float64(x2[i])
			a3 += float64(x3[i])
		}
		out[r], out[r+1], out[r+2], out[r+3] = float32(a0), float32(a1), float32(a2), float32(a3)
	}
	for ; r < len(out); r++ {
		var a float64
		for _, v := range x[r*n:][:n] {
			a += float64(v)
		}
		out[r] = float32(a)
	}
}
