package fastcpu

import "github.com/ditgo/ditgo/tensor"

// Dropout on the fast device: tensor.DropoutRef by whole Philox blocks. The
// reference runs Philox once an element; one block of the stream gives
// four words, so here each block is computed once and decides up to four
// elements (fewer at the two ends, where the stretch need not start or end
// on a block's edge). The test is the integer one of
// tensor.DropoutThreshold, which keeps exactly the elements the
// reference's float64 test keeps, and the product x·scale is the same
// float32 product, so the result is the reference's bit for bit. Blocks
// are split over the cores.
func (d *Device) Dropout(outB, xB tensor.Buffer, n int, args tensor.DropoutArgs) {
	out, x := d.Floats(outB)[:n], d.Floats(xB)[:n]
	if n == 0 {
		return
	}
	threshold, scale := tensor.DropoutThreshold(args.P)
	key := [2]uint32{uint32(args.Seed), uint32(args.Seed >> 32)}
	first := args.Offset / 4 // the block of element 0
	blocks := int((args.Offset+uint64(n)-1)/4 - first + 1)
	parallelFor(blocks, 40, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			block := first + uint64(b)
			r := tensor.Philox([4]uint32{uint32(block), uint32(block >> 32), 0, 0}, key)
			for lane := range uint64(4) {
				pos := 4*block + lane // the stream position
				if pos < args.Offset || pos-args.Offset >= uint64(n) {
					continue
				}
				j := int(pos - args.Offset)
				if r[lane]>>9 >= threshold {
					out[j] = x[j] * scale
				} else {
					out[j] = 0
				}
			}
		}
	})
}
