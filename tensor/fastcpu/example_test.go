package fastcpu_test

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// The fast device is used like any tensor.Device. This product is just
// large enough (M·N·K = 4·4·8 = 128) to run the packed GEMM instead of the
// reference loop; with small integers every sum is exact, so both devices
// print the same numbers.
func Example() {
	a, b := make([]float32, 4*8), make([]float32, 8*4)
	for i := range a {
		a[i], b[i] = float32(i%3), float32(i%5-2)
	}
	for _, dev := range []tensor.Device{fastcpu.New(), tensor.NewCPU()} {
		x, w := tensor.FromSlice(dev, a, 4, 8), tensor.FromSlice(dev, b, 8, 4)
		fmt.Println(tensor.MatMul(x, w, false, false, nil).Data())
	}
	// Output:
	// [0 2 -6 1 -1 -3 0 -2 4 -2 -3 1 0 2 -6 1]
	// [0 2 -6 1 -1 -3 0 -2 4 -2 -3 1 0 2 -6 1]
}
