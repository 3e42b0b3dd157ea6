package tensor_test

import (
	"testing"

	"github.com/ditgo/ditgo/autograd/optest"
	"github.com/ditgo/ditgo/tensor"
)

// TestCPUOpSuite runs the shared op suite on the float32 CPU device against
// the float64 reference.
func TestCPUOpSuite(t *testing.T) {
	optest.Run(t, tensor.NewCPU(), optest.Options{})
}
