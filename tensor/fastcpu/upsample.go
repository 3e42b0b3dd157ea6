package fastcpu

import "github.com/ditgo/ditgo/tensor"

// Upsample2x on the fast device: tensor.Upsample2xRef by whole rows. Input
// row r (plane p, row i: r = p·h + i) becomes output rows 2r and 2r+1 of
// width 2w, since plane p's output row 2i + di sits at (p·2h + 2i + di)
// = 2r + di. The first is written element by element, each value twice; the
// second is a copy of the first. Rows are split over the cores.
func (d *Device) Upsample2x(outB, xB tensor.Buffer, nBC, h, w int) {
	out, x := d.Floats(outB), d.Floats(xB)
	parallelFor(nBC*h, 4*w, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			src := x[r*w : (r+1)*w]
			top := out[2*r*2*w : (2*r+1)*2*w]
			for j, v := range src {
				top[2*j] = v
				top[2*j+1] = v
			}
			copy(out[(2*r+1)*2*w:(2*r+2)*2*w], top)
		}
	})
}

// Upsample2xBackward on the fast device: each input row's gradient is the
// sum of its two output rows, pairwise along them, in the reference's order
// ((top left + top right) + bottom left) + bottom right, in float32.
func (d *Device) Upsample2xBackward(dxB, doutB tensor.Buffer, nBC, h, w int) {
	dx, dout := d.Floats(dxB), d.Floats(doutB)
	parallelFor(nBC*h, 4*w, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			top, bot := dout[2*r*2*w:(2*r+1)*2*w], dout[(2*r+1)*2*w:(2*r+2)*2*w]
			o := dx[r*w : (r+1)*w]
			for j := range o {
				t, b := top[2*j:2*j+2:2*j+2], bot[2*j:2*j+2:2*j+2] // one bounds check each
				o[j] = t[0] + t[1] + b[0] + b[1]
			}
		}
	})
}
