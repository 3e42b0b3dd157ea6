package autograd_test

import (
	"fmt"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// The gradient of L = Σ (x·x + x) is 2x + 1.
func ExampleGraph_Backward() {
	dev := tensor.NewCPU()
	x := autograd.Param(tensor.FromSlice(dev, []float32{-1, 0, 2}, 3))

	g := autograd.NewGraph()
	loss := g.SumAll(g.Add(g.Mul(x, x), x))
	g.Backward(loss)

	fmt.Println("loss", loss.Value.Data())
	fmt.Println("grad", x.Grad.Data())
	g.Release()
	// Output:
	// loss [6]
	// grad [-1 1 5]
}
