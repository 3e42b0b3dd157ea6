package tensor_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/autograd/optest"
	"github.com/ditgo/ditgo/tensor"
)

// The fast device's own kernels (attention here, matmul in gemm_test.go)
// pass the whole shared suite, which compares every op and gradient with
// the float64 reference at sizes around 1, 8, 16, 32 and 64.
func TestFastCPUSuiteAtAttentionSizes(t *testing.T) {
	optest.Run(t, tensor.NewFastCPU(), optest.Options{Sizes: []int{1, 2, 3, 7, 16, 17, 49, 64, 65, 100}, Seed: 3})
}

// exp32 stays within two float32 units in the last place of math.Exp over
// the whole range where the result is a normal float32.
func TestExp32(t *testing.T) {
	worst := 0.0
	for x := -87.0; x <= 88; x += 0.0137 {
		got, want := float64(tensor.Exp32(float32(x))), math.Exp(float64(float32(x)))
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 2.5e-7 {
		t.Errorf("worst relative error %.3g, want ≤ 2.5e-7 (two ulp)", worst)
	}
}
