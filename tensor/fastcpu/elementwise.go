package fastcpu

import (
	"math"

	"github.com/ditgo/ditgo/tensor"
)

// The fast device's elementwise kernels (and its Sum, reduce.go): the
// reference math, walked row by row over contiguous memory and spread over
// the cores. They are bound by memory bandwidth, not arithmetic.

// Binary splits the rows of the [outer, mid, inner] view over the cores.
func (d *Device) Binary(op tensor.BinaryOp, outB, aB, bB tensor.Buffer, outer, mid, inner int) {
	out, a, b := d.Floats(outB), d.Floats(aB), d.Floats(bB)
	if outer*mid == 1 { // same shapes: split the one long row
		parallelFor(inner, 1, func(lo, hi int) { d.binaryRow(op, out[lo:hi], a[lo:hi], b[lo:hi]) })
		return
	}
	if inner == 1 { // b is one value per outer block: rows of mid values
		d.binaryScalar(op, out, a, b, outer, mid)
		return
	}
	parallelFor(outer*mid, inner, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			o := row / mid
			d.binaryRow(op, out[row*inner:(row+1)*inner], a[row*inner:(row+1)*inner], b[o*inner:(o+1)*inner])
		}
	})
}

// binaryScalar is Binary with inner = 1: out[o, m] = a[o, m] ∘ b[o]. Row by
// row of inner values, it would be a call per value (the hybrid loss
// weighs a [B, C·H·W] tensor per sample so: 98304 calls that took 0.5 ms
// for 0.4 MB); instead b[o] is copied into a short row, and each run of
// a's block goes through binaryRow against it.
func (d *Device) binaryScalar(op tensor.BinaryOp, out, a, b []float32, outer, mid int) {
	const run = 256
	parallelFor(outer*ceilDiv(mid, run), run, func(lo, hi int) {
		var row [run]float32
		for u := lo; u < hi; u++ {
			o, m0 := u/ceilDiv(mid, run), u%ceilDiv(mid, run)*run
			m1 := min(m0+run, mid)
			for i := range m1 - m0 {
				row[i] = b[o]
			}
			at := o * mid
			d.binaryRow(op, out[at+m0:at+m1], a[at+m0:at+m1], row[:m1-m0])
		}
	})
}

// binaryRow is tensor.BinaryRef on one row with the choice of op outside
// the loop, so that each loop is a plain, bounds-check-free pass. The
// instruction set's row loops (instructionSet.binaryRows), where it has
// them, take the leading whole vectors of add, sub and mul.
func (d *Device) binaryRow(op tensor.BinaryOp, out, a, b []float32) {
	n := len(out)
	a, b = a[:n], b[:n]
	if rows := d.set.binaryRows; rows != nil && op >= tensor.OpAdd && op <= tensor.OpMul {
		done := rows[op-tensor.OpAdd](out, a, b)
		out, a, b = out[done:], a[done:], b[done:]
	}
	switch op {
	case tensor.OpAdd:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case tensor.OpSub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case tensor.OpMul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	default:
		tensor.BinaryRef(op, out, a, b, 1, 1, n)
	}
}

// Fill splits out[:n] over the cores. A fill with +0, which every
// parameter's gradient gets before each step (autograd's ZeroGrad), is a
// memory clear; the reference's loop stores one float at a time.
func (d *Device) Fill(outB tensor.Buffer, value float32, n int) {
	out := d.Floats(outB)[:n]
	zero := math.Float32bits(value) == 0 // not −0, whose sign bit is set
	parallelFor(n, 1, func(lo, hi int) {
		if zero {
			clear(out[lo:hi])
			return
		}
		fillRow(out[lo:hi], value)
	})
}

// fillRow sets every value of row to v: one store, then copies of what is
// filled so far, doubling (memmove's wide stores, where a Go loop stores
// one float at a time).
func fillRow(row []float32, v float32) {
	if len(row) == 0 {
		return
	}
	row[0] = v
	for n := 1; n < len(row); n *= 2 {
		copy(row[n:], row[:n])
	}
}

// GatedResidual splits the token rows over the cores.
func (d *Device) GatedResidual(outB, xB, gateB, yB tensor.Buffer, nB, nT, nD int) {
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
func (d *Device) Scale(outB, xB tensor.Buffer, alpha float32, n int) {
	out, x := d.Floats(outB)[:n], d.Floats(xB)[:n]
	parallelFor(n, 1, func(lo, hi int) { tensor.ScaleRef(out[lo:hi], x[lo:hi], alpha) })
}

// CopySlice splits the blocks over the cores (Concat and Split: the
// U-Net's skip connections, whose copies ran on one core), or the one
// block when there is only one.
func (d *Device) CopySlice(dstB, srcB tensor.Buffer, a tensor.CopySliceArgs) {
	dst, src := d.Floats(dstB), d.Floats(srcB)
	n := a.N * a.Inner
	if a.Outer == 1 {
		d0, s0 := a.DstOff*a.Inner, a.SrcOff*a.Inner
		parallelFor(n, 1, func(lo, hi int) { copy(dst[d0+lo:d0+hi], src[s0+lo:s0+hi]) })
		return
	}
	parallelFor(a.Outer, n, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			d, s := (o*a.DstLen+a.DstOff)*a.Inner, (o*a.SrcLen+a.SrcOff)*a.Inner
			copy(dst[d:d+n], src[s:s+n])
		}
	})
}
