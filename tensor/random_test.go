package tensor_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Known-answer vectors for Philox4x32-10, published with Random123
// (kat_vectors): counter, key, expected output.
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := tensor.Philox(c.ctr, c.key); got != c.want {
			t.Errorf("Philox(%#x, %#x) = %#x, want %#x", c.ctr, c.key, got, c.want)
		}
	}
}

// The normals must look normal: mean ≈ 0, variance ≈ 1, and the fraction
// beyond two standard deviations ≈ 4.55%.
func TestRandNormalMoments(t *testing.T) {
	dev := tensor.NewCPU()
	rng := tensor.RNG{Seed: 42}
	x := rng.Normal(dev, 200003).Data()
	var sum, sq float64
	tail := 0
	for _, v := range x {
		sum += float64(v)
		sq += float64(v) * float64(v)
		if math.Abs(float64(v)) > 2 {
			tail++
		}
	}
	n := float64(len(x))
	mean, variance, frac := sum/n, sq/n-(sum/n)*(sum/n), float64(tail)/n
	if math.Abs(mean) > 0.01 || math.Abs(variance-1) > 0.015 || math.Abs(frac-0.0455) > 0.002 {
		t.Errorf("mean %.4f variance %.4f P(|z|>2) %.4f: want 0, 1, 0.0455", mean, variance, frac)
	}
}

// A stream is addressable: drawing 10 then 6 values equals drawing 16 at
// once only where the second draw starts on a block boundary, and a draw at
// offset k equals the tail of a draw from 0.
func TestRandNormalOffsets(t *testing.T) {
	dev := tensor.NewCPU64()
	whole := (&tensor.RNG{Seed: 7}).Normal(dev, 40).Data()
	r := tensor.RNG{Seed: 7}
	a := r.Normal(dev, 10).Data() // advances the offset to 12
	if r.Offset != 12 {
		t.Fatalf("offset after 10 values = %d, want 12", r.Offset)
	}
	b := r.Normal(dev, 6).Data()
	for i := range a {
		if a[i] != whole[i] {
			t.Fatalf("value %d: %v, want %v", i, a[i], whole[i])
		}
	}
	for i := range b {
		if b[i] != whole[12+i] {
			t.Fatalf("value %d of the second draw: %v, want %v", i, b[i], whole[12+i])
		}
	}
	other := (&tensor.RNG{Seed: 8}).Normal(dev, 40).Data()
	same := 0
	for i := range other {
		if other[i] == whole[i] {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 7 and 8 share %d of 40 values", same)
	}
}
