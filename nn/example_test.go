package nn_test

import (
	"fmt"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// A Linear layer y = x·Wᵀ + b, its gradients and one AdamW step. With
// W = [2 −1], b = 0.5 and x = [1 3]: y = 2 − 3 + 0.5 = −0.5, and for the
// loss y itself ∂y/∂W = x and ∂y/∂b = 1. AdamW's first step moves every
// weight by the learning rate against the sign of its gradient (the bias
// corrections make m̂ = g and v̂ = g²).
func ExampleLinear() {
	dev := tensor.NewCPU()
	l := &nn.Linear{
		Weight: autograd.Param(tensor.FromSlice(dev, []float32{2, -1}, 1, 2)), // [out=1, in=2]
		Bias:   autograd.Param(tensor.FromSlice(dev, []float32{0.5}, 1)),
	}
	params := &nn.Params{}
	l.Register(params, "fc")

	g := autograd.NewGraph()
	x := g.Const(g.Own(tensor.FromSlice(dev, []float32{1, 3}, 1, 2))) // [B=1, in=2]
	y := l.Forward(g, x)                                              // [1, 1]
	g.Backward(g.SumAll(y))
	fmt.Println("y", y.Value.Data())
	fmt.Println("dW", l.Weight.Grad.Data(), "db", l.Bias.Grad.Data())
	g.Release()

	opt := nn.NewAdamW(params, 0.1, 0)
	opt.Update()
	fmt.Printf("after one step: W %.4g b %.4g\n", l.Weight.Value.Data(), l.Bias.Value.Data())
	opt.Release()
	params.Release()
	// Output:
	// y [-0.5]
	// dW [1 3] db [1]
	// after one step: W [1.9 -1.1] b [0.4]
}
