package tensor

import (
	"fmt"
	"math"
)

// DropoutArgs describes dropout with probability P over a stretch of the
// Philox stream (Seed, Offset): element j of the tensor is kept or dropped
// by value Offset + j of the stream, the same value RandNormal would turn
// into a normal. The mask is therefore a function of (Seed, Offset, j)
// alone, computed where it is used: nothing is stored for the backward
// pass, which draws the same mask again, and every device draws the same
// mask.
type DropoutArgs struct {
	P            float32 // the probability of dropping an element, in [0, 1)
	Seed, Offset uint64
}

// Dropout zeroes each element of x with probability P and multiplies the
// others by 1/(1−P), so that the expectation of every element is
// unchanged (PyTorch's F.dropout in training mode):
//
//	out[j] = keep(Offset + j) ? x[j]·scale : 0        scale = float32(1/(1−P))
//	keep(n) ⇔ uniform(word n) ≥ P
//
// where word n is word n mod 4 of Philox on the counter n/4 with Seed as
// key, and uniform is the map of RandNormalRef, (k + 0.5)·2⁻²³ for the top
// 23 bits k. Being linear in x for a fixed mask, dropout is its own
// gradient: dx = Dropout(dout, args) with the same args.
//
// Why a kernel of its own rather than a composition: the existing
// primitives can make the mask only from RandNormal, by comparing each
// normal with Φ⁻¹(P) (Binary GreaterEqual), then Scale and Mul: three
// kernels more, a mask of the tensor's size saved for the backward pass,
// and a logarithm, a square root and a cosine an element. Worse, a normal
// near the threshold rounds differently in a shader's float32 than in the
// reference's float64, so the devices would disagree on rare elements. Here
// the decision compares integers: the same on every device, bit for bit.
func Dropout(x *Tensor, args DropoutArgs) *Tensor {
	dev := mustSameDevice("Dropout", x)
	mustFloat("Dropout", x)
	if !(args.P >= 0 && args.P < 1) {
		panic(fmt.Sprintf("tensor.Dropout: probability %v, want it in [0, 1)", args.P))
	}
	out := New(dev, x.shape...)
	dev.Dropout(out.buf, x.buf, x.Numel(), args)
	return out
}

// DropoutThreshold returns the integer form of the mask's test that the
// fast kernels use: uniform(w) ≥ P exactly when w>>9 ≥ threshold, since
// (k + 0.5)·2⁻²³ ≥ P ⇔ k ≥ P·2²³ − 0.5. It also returns the scale of the
// kept elements, 1/(1−P) rounded to float32.
func DropoutThreshold(p float32) (threshold uint32, scale float32) {
	return uint32(max(0, math.Ceil(float64(p)*(1<<23)-0.5))), float32(1 / (1 - float64(p)))
}

// DropoutRef computes out[j] for j < len(out) from the definition in
// Dropout: value Offset + j of the stream decides, through the float64
// uniform of RandNormalRef compared with P.
func DropoutRef[F Float](out, x []F, args DropoutArgs) {
	key := [2]uint32{uint32(args.Seed), uint32(args.Seed >> 32)}
	_, scale := DropoutThreshold(args.P)
	for j := range out {
		n := args.Offset + uint64(j)
		block := n / 4
		r := Philox([4]uint32{uint32(block), uint32(block >> 32), 0, 0}, key)
		if uniform(r[n%4]) >= float64(args.P) {
			out[j] = x[j] * F(scale)
		} else {
			out[j] = 0
		}
	}
}

// Dropout returns the args of a dropout of n elements with probability p
// that starts at the stream's position, and moves the position past them
// in whole blocks of four, as Normal does.
func (r *RNG) Dropout(p float32, n int) DropoutArgs {
	args := DropoutArgs{P: p, Seed: r.Seed, Offset: r.Offset}
	r.Offset += uint64(n+3) / 4 * 4
	return args
}
