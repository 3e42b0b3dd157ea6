package tensor_test

import (
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
