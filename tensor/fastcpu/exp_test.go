package fastcpu_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// exp32 stays within two float32 units in the last place of math.Exp over
// the whole range where the result is a normal float32.
func TestExp32(t *testing.T) {
	worst := 0.0
	for x := -87.0; x <= 88; x += 0.0137 {
		got, want := float64(fastcpu.Exp32(float32(x))), math.Exp(float64(float32(x)))
		worst = max(worst, math.Abs(got-want)/want)
	}
	if !(worst <= 2.5e-7) { // a NaN fails too
		t.Errorf("worst relative error %.3g, want ≤ 2.5e-7 (two ulp)", worst)
	}
}
