package tensor_test

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// A 2×3 by 3×2 product on the CPU reference device.
func ExampleMatMul() {
	dev := tensor.NewCPU()
	a := tensor.FromSlice(dev, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice(dev, []float32{7, 8, 9, 10, 11, 12}, 3, 2)
	c := tensor.MatMul(a, b, false, false, nil)
	fmt.Println(c.Shape(), c.Data())
	// Output: [2 2] [58 64 139 154]
}

// The residual update of an adaLN-Zero block: a zero gate leaves x as it
// is, which is why DiT starts every block as the identity.
func ExampleGatedResidual() {
	dev := tensor.NewCPU()
	x := tensor.FromSlice(dev, []float32{1, 2, 3, 4}, 1, 2, 2) // [B=1, T=2, D=2]
	y := tensor.Full(dev, 10, 1, 2, 2)
	for _, g := range []float32{0, 0.5} {
		gate := tensor.Full(dev, g, 1, 2) // [B, D]
		fmt.Println("gate", g, "→", tensor.GatedResidual(x, gate, y).Data())
	}
	// Output:
	// gate 0 → [1 2 3 4]
	// gate 0.5 → [6 7 8 9]
}

// Cutting a 1-channel 4×4 image into four 2×2 patches, one token each.
func ExamplePatchify() {
	dev := tensor.NewCPU()
	img := tensor.FromSlice(dev, []float32{
		0, 1, 2, 3,
		4, 5, 6, 7,
		8, 9, 10, 11,
		12, 13, 14, 15,
	}, 1, 1, 4, 4)
	tokens := tensor.Patchify(img, 2)
	fmt.Println(tokens.Shape())
	d := tokens.Data()
	for t := range 4 {
		fmt.Println(d[t*4 : t*4+4])
	}
	// Output:
	// [1 4 4]
	// [0 1 4 5]
	// [2 3 6 7]
	// [8 9 12 13]
	// [10 11 14 15]
}

// Attention with q = 0 weighs every token equally: the output is the mean
// of the values and the log-sum-exp is log T.
func ExampleAttention() {
	dev := tensor.NewCPU()
	qkv := tensor.FromSlice(dev, []float32{
		0, 0, // q: [B=1, H=1, T=2, Dh=1]
		3, -1, // k
		2, 6, // v
	}, 3, 1, 1, 2, 1)
	out, lse := tensor.Attention(qkv, 1)
	fmt.Println("out", out.Data())
	fmt.Printf("lse %.4g\n", lse.Data())
	// Output:
	// out [4 4]
	// lse [0.6931 0.6931]
}

// A 3×3 kernel that picks the pixel to the right of the centre shifts the
// image left by one, with the zero padding entering on the right; at
// stride 2 only every other output pixel is kept.
func ExampleConv2D() {
	dev := tensor.NewCPU()
	img := tensor.FromSlice(dev, []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
		13, 14, 15, 16,
	}, 1, 1, 4, 4) // [B=1, C=1, H=4, W=4]
	right := tensor.FromSlice(dev, []float32{
		0, 0, 0,
		0, 0, 1,
		0, 0, 0,
	}, 1, 1, 3, 3) // [Cout=1, Cin=1, KH=3, KW=3]
	fmt.Println(tensor.Conv2D(img, right, nil, 1, 1).Data())
	fmt.Println(tensor.Conv2D(img, right, nil, 2, 1).Data())
	// Output:
	// [2 3 4 0 6 7 8 0 10 11 12 0 14 15 16 0]
	// [2 4 10 12]
}
