package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/tensortest"
)

// The integer test of the fast kernels keeps exactly the elements that the
// definition, (k + 0.5)·2⁻²³ ≥ p, keeps: checked for every k near the
// threshold of probabilities that land on, beside and between the grid of
// uniforms.
func TestDropoutThreshold(t *testing.T) {
	for _, p := range []float32{0, 1e-9, 0.1, 0.25, 0.5, 0.3333333, 0.9, 0.999999, 0.5 / (1 << 23), 1.5 / (1 << 23), 1 - 0.5/(1<<23)} {
		threshold, scale := tensor.DropoutThreshold(p)
		for k := int64(threshold) - 3; k <= int64(threshold)+3; k++ {
			if k < 0 || k >= 1<<23 {
				continue
			}
			want := (float64(k)+0.5)/(1<<23) >= float64(p)
			if got := uint32(k) >= threshold; got != want {
				t.Errorf("p %v: k %d kept %v by the threshold %d, %v by the definition", p, k, got, threshold, want)
			}
		}
		if want := float32(1 / (1 - float64(p))); scale != want {
			t.Errorf("p %v: scale %v, want %v", p, scale, want)
		}
	}
}

// Dropout keeps a fraction 1−p of the elements, within four standard
// deviations of the binomial, and multiplies exactly those by 1/(1−p).
func TestDropoutStatistics(t *testing.T) {
	dev := tensor.NewCPU()
	const n = 200003
	x := make([]float32, n)
	for i := range x {
		x[i] = 1 + float32(i%7)
	}
	for _, p := range []float32{0.1, 0.5, 0.9} {
		rng := tensor.RNG{Seed: 5}
		out := tensor.Dropout(tensor.FromSlice(dev, x, n), rng.Dropout(p, n)).Data()
		_, scale := tensor.DropoutThreshold(p)
		kept := 0
		for i, v := range out {
			switch v {
			case 0:
			case x[i] * scale:
				kept++
			default:
				t.Fatalf("p %v: element %d is %v, want 0 or %v", p, i, v, x[i]*scale)
			}
		}
		q := 1 - float64(p)
		if sd := math.Sqrt(n * q * (1 - q)); math.Abs(float64(kept)-n*q) > 4*sd {
			t.Errorf("p %v: kept %d of %d, want %.0f ± %.0f", p, kept, n, n*q, 4*sd)
		}
	}
}

// The mask is a function of the stream position alone: a dropout from
// offset k is the tail of one from 0 (for ones on x), the RNG advances as
// Normal does, and another seed draws another mask.
func TestDropoutOffsets(t *testing.T) {
	dev := tensor.NewCPU()
	ones := func(n int) *tensor.Tensor { return tensor.Full(dev, 1, n) }
	whole := tensor.Dropout(ones(40), tensor.DropoutArgs{P: 0.5, Seed: 9}).Data()
	tail := tensor.Dropout(ones(30), tensor.DropoutArgs{P: 0.5, Seed: 9, Offset: 10}).Data()
	if !slices.Equal(tail, whole[10:]) {
		t.Errorf("dropout from offset 10 %v, want the tail of the one from 0 %v", tail, whole[10:])
	}
	r := tensor.RNG{Seed: 9}
	if a := r.Dropout(0.5, 10); a.Offset != 0 || r.Offset != 12 {
		t.Errorf("first draw at offset %d, then the stream at %d; want 0 and 12", a.Offset, r.Offset)
	}
	if other := tensor.Dropout(ones(40), tensor.DropoutArgs{P: 0.5, Seed: 10}).Data(); slices.Equal(other, whole) {
		t.Error("seeds 9 and 10 drew the same mask")
	}
	if got := tensor.Dropout(ones(5), tensor.DropoutArgs{P: 0}).Data(); !slices.Equal(got, []float32{1, 1, 1, 1, 1}) {
		t.Errorf("p = 0 gave %v, want x", got)
	}
}

// Every device keeps the same elements and computes the same products as
// the float32 reference, bit for bit, over stretches that start and end
// inside Philox blocks, one of them long enough to be split over cores.
func TestDropoutSameOnEveryDevice(t *testing.T) {
	ref := tensor.NewCPU()
	tensortest.ForEachDevice(t, func(t *testing.T, dev tensor.Device) {
		for _, c := range []struct {
			n      int
			offset uint64
			p      float32
		}{{1, 0, 0.5}, {7, 3, 0.3}, {100003, 1<<32 - 2, 0.1}, {4096, 8, 0.75}} {
			x := make([]float32, c.n)
			for i := range x {
				x[i] = float32(math.Sin(float64(i))) * 3
			}
			args := tensor.DropoutArgs{P: c.p, Seed: 0xfeedbeef01, Offset: c.offset}
			want := tensor.Dropout(tensor.FromSlice(ref, x, c.n), args).Data()
			in := tensor.FromSlice(dev, x, c.n)
			got := tensor.Dropout(in, args)
			if d := got.Data(); !slices.Equal(d, want) {
				for i := range d {
					if d[i] != want[i] {
						t.Errorf("%s n %d offset %d p %v: element %d is %v, the reference's %v", dev.Name(), c.n, c.offset, c.p, i, d[i], want[i])
						break
					}
				}
			}
			got.Release()
			in.Release()
		}
	})
}
