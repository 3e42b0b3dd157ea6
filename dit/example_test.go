package dit_test

import (
	"fmt"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/tensor"
)

// The paper's largest model and the compute of one forward pass (the paper
// reports 118.6 "Gflops" for DiT-XL/2, counting a multiply-add as one;
// ForwardFLOPs counts it as two), then a tiny model's forward pass:
// untrained, an adaLN-Zero DiT outputs exactly zero, for the noise and the
// variance channels alike.
func Example() {
	xl, _ := dit.Named("DiT-XL/2")
	fmt.Printf("DiT-XL/2: depth %d, hidden %d, %d heads, %d tokens of 32×32×4 latents, %.1f G multiply-adds\n",
		xl.Depth, xl.Hidden, xl.Heads, xl.Tokens(), xl.ForwardFLOPs(1)/2e9)

	dev := tensor.NewCPU()
	cfg, _ := dit.Named("DiT-Micro/4") // 16×16×1 images, learned variance
	m, _ := dit.New(dev, cfg)
	defer m.Release()
	m.Init(1)
	g := autograd.NewNoGradGraph()
	defer g.Release()
	x := g.Const(g.Own(tensor.Full(dev, 0.5, 2, 1, 16, 16))) // [B, C, H, W]
	out := m.Forward(g, x, []float32{10, 500}, []int32{3, 7})
	largest := float32(0)
	for _, v := range out.Value.Data() {
		largest = max(largest, v, -v)
	}
	fmt.Println("untrained output", out.Value.Shape(), "largest |value|", largest)
	// Output:
	// DiT-XL/2: depth 28, hidden 1152, 16 heads, 256 tokens of 32×32×4 latents, 118.6 G multiply-adds
	// untrained output [2 2 16 16] largest |value| 0
}
