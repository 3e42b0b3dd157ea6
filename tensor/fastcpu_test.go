package tensor_test

import (
	"testing"

	"github.com/ditgo/ditgo/autograd/optest"
	"github.com/ditgo/ditgo/tensor"
)

// TestFastCPUOpSuite runs the shared op suite on the fast device against the
// float64 reference, once with each matmul micro-kernel this CPU can run.
func TestFastCPUOpSuite(t *testing.T) {
	for _, name := range tensor.GemmKernelNames() {
		t.Run(name, func(t *testing.T) {
			t.Setenv("DITGO_CPU_KERNEL", name)
			optest.Run(t, tensor.NewFastCPU(), optest.Options{})
		})
	}
}
