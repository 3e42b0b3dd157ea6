package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// The known-value convolutions use the 3×3 input x = arange:
//
//	0 1 2
//	3 4 5
//	6 7 8

// A 3×3 kernel of ones with padding 1 sums each pixel's neighbourhood (the
// box sums, by hand: the corner 0+1+3+4 = 8, the top edge 0+1+2+3+4+5 = 15,
// the centre 0+…+8 = 36, …), plus the bias 0.5.
func TestConv2DBoxSums(t *testing.T) {
	for _, d := range devices {
		x := arange(d.dev, 1, 1, 3, 3)
		w := tensor.Full(d.dev, 1, 1, 1, 3, 3)
		bias := tensor.FromFloat64(d.dev, []float64{0.5}, 1)
		out := tensor.Conv2D(x, w, bias, 1, 1)
		wantTensor(t, d.name+" box sums", out, []int{1, 1, 3, 3}, []float64{
			8.5, 15.5, 12.5,
			21.5, 36.5, 27.5,
			20.5, 33.5, 24.5,
		}, d.tol)
	}
}

// The kernel w = arange too (w[ky,kx] = 3·ky + kx), so that a flipped or
// transposed kernel gives other numbers, at stride 2: OH = (3+2−3)/2+1 = 2.
// Output (0,0) reads x[ky−1, kx−1] for ky, kx ∈ {1, 2}:
// 0·4 + 1·5 + 3·7 + 4·8 = 58; output (0,1) reads x[ky−1, kx+1] for ky ∈
// {1, 2}, kx ∈ {0, 1}: 1·3 + 2·4 + 4·6 + 5·7 = 70; (1,0) is its mirror
// image, 3·1 + 4·2 + 6·4 + 7·5 = 70; (1,1) reads x[ky+1, kx+1] for ky, kx ∈
// {0, 1}: 4·0 + 5·1 + 7·3 + 8·4 = 58.
func TestConv2DStride2(t *testing.T) {
	for _, d := range devices {
		x, w := arange(d.dev, 1, 1, 3, 3), arange(d.dev, 1, 1, 3, 3)
		out := tensor.Conv2D(x, w, nil, 2, 1)
		wantTensor(t, d.name, out, []int{1, 1, 2, 2}, []float64{58, 70, 70, 58}, d.tol)
	}
}

// The gradients of the box sums with dout = ones. Each input pixel is in
// as many windows as it has neighbours and itself: dx is 4 at the
// corners, 6 on the edges, 9 in the centre. Each weight meets every output
// once, so dw[ky,kx] is the sum of the input pixels that (ky,kx) reaches:
// the same box sums as above.
func TestConv2DBackwardBoxSums(t *testing.T) {
	for _, d := range devices {
		x := arange(d.dev, 1, 1, 3, 3)
		w := tensor.Full(d.dev, 1, 1, 1, 3, 3)
		dout := tensor.Full(d.dev, 1, 1, 1, 3, 3)
		a := tensor.NewConv2DArgs(x, w, 1, 1)
		wantTensor(t, d.name+" dx", tensor.Conv2DBackwardInput(dout, w, a), []int{1, 1, 3, 3}, []float64{
			4, 6, 4,
			6, 9, 6,
			4, 6, 4,
		}, d.tol)
		wantTensor(t, d.name+" dw", tensor.Conv2DBackwardWeight(dout, x, a), []int{1, 1, 3, 3}, []float64{
			8, 15, 12,
			21, 36, 27,
			20, 33, 24,
		}, d.tol)
		// Acc adds: 1 + the same sums.
		dw := tensor.Full(d.dev, 1, 1, 1, 3, 3)
		tensor.Conv2DBackwardWeightAcc(dw, dout, x, a)
		wantTensor(t, d.name+" dw accumulated", dw, []int{1, 1, 3, 3}, []float64{
			9, 16, 13,
			22, 37, 28,
			21, 34, 25,
		}, d.tol)
	}
}

// The input gradient at stride 2, w = arange, dout = ones [1, 1, 2, 2]:
// input row iy is reached by (oy, ky) with 2·oy + ky − 1 = iy, that is
// ky = 1 for rows 0 and 2, and ky ∈ {0, 2} for row 1; columns likewise. So
// dx[0,0] = w[1,1] = 4, dx[0,1] = w[1,0] + w[1,2] = 3 + 5 = 8,
// dx[1,1] = w[0,0] + w[0,2] + w[2,0] + w[2,2] = 0 + 2 + 6 + 8 = 16, and so
// on by symmetry.
func TestConv2DBackwardInputStride2(t *testing.T) {
	for _, d := range devices {
		x, w := arange(d.dev, 1, 1, 3, 3), arange(d.dev, 1, 1, 3, 3)
		dout := tensor.Full(d.dev, 1, 1, 1, 2, 2)
		dx := tensor.Conv2DBackwardInput(dout, w, tensor.NewConv2DArgs(x, w, 2, 1))
		wantTensor(t, d.name, dx, []int{1, 1, 3, 3}, []float64{
			4, 8, 4,
			8, 16, 8,
			4, 8, 4,
		}, d.tol)
	}
}

// A 1×1 convolution is a Linear layer applied to every pixel: with the
// channels moved last, x [B, H·W, Cin] · wᵀ + bias. That product comes from
// MatMul and Permute, arithmetic independent of the convolution's.
func TestConv2D1x1IsLinear(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const B, Cin, H, W, Cout = 2, 3, 4, 5, 6
	for _, d := range devices {
		x := tensor.FromSlice(d.dev, normals(r, B*Cin*H*W), B, Cin, H, W)
		w := tensor.FromSlice(d.dev, normals(r, Cout*Cin), Cout, Cin, 1, 1)
		bias := tensor.FromSlice(d.dev, normals(r, Cout), Cout)
		got := tensor.Conv2D(x, w, bias, 1, 0)
		pixels := tensor.Permute(x.Reshape(B, Cin, H*W), 0, 2, 1)                      // [B, H·W, Cin]
		linear := tensor.MatMul(pixels, w.Reshape(Cout, Cin), false, true, bias)       // [B, H·W, Cout]
		want, err := tensor.Permute(linear, 0, 2, 1).Reshape(B, Cout, H, W).Float64s() // [B, Cout, H, W]
		if err != nil {
			t.Fatal(err)
		}
		wantTensor(t, d.name, got, []int{B, Cout, H, W}, want, d.tol*10)
	}
}

// The backward kernels are the adjoints of the forward one: for any dout,
//
//	Σ dout·conv(x, w) = Σ x·dx(dout, w) = Σ w·dw(dout, x)
//
// because each of the three sums is the same sum of dout·x·w over every
// (output pixel, weight) pair. Checked in float64 at strides 1 to 3, with
// padding wider than the kernel's reach, and kernels up to 7×7.
func TestConv2DAdjoint(t *testing.T) {
	dev := tensor.NewCPU64()
	r := rand.New(rand.NewPCG(3, 4))
	for _, a := range []tensor.Conv2DArgs{
		{B: 2, Cin: 3, H: 7, W: 6, Cout: 4, KH: 3, KW: 3, Stride: 1, Pad: 1},
		{B: 1, Cin: 2, H: 8, W: 9, Cout: 3, KH: 3, KW: 3, Stride: 2, Pad: 1},
		{B: 2, Cin: 1, H: 9, W: 7, Cout: 2, KH: 5, KW: 3, Stride: 3, Pad: 2},
		{B: 1, Cin: 2, H: 4, W: 5, Cout: 2, KH: 1, KW: 1, Stride: 1, Pad: 2},
		{B: 1, Cin: 2, H: 7, W: 8, Cout: 3, KH: 7, KW: 7, Stride: 2, Pad: 3},
	} {
		t.Run(fmt.Sprintf("%+v", a), func(t *testing.T) {
			x := tensor.FromSlice(dev, normals(r, a.B*a.Cin*a.H*a.W), a.B, a.Cin, a.H, a.W)
			w := tensor.FromSlice(dev, normals(r, a.Cout*a.Cin*a.KH*a.KW), a.Cout, a.Cin, a.KH, a.KW)
			dout := tensor.FromSlice(dev, normals(r, a.B*a.Cout*a.OH()*a.OW()), a.B, a.Cout, a.OH(), a.OW())
			dot := func(p, q *tensor.Tensor) float64 {
				v, err := tensor.SumAll(tensor.Mul(p, q)).Float64s()
				if err != nil {
					t.Fatal(err)
				}
				return v[0]
			}
			fwd := dot(dout, tensor.Conv2D(x, w, nil, a.Stride, a.Pad))
			viaX := dot(x, tensor.Conv2DBackwardInput(dout, w, a))
			viaW := dot(w, tensor.Conv2DBackwardWeight(dout, x, a))
			if math.Abs(viaX-fwd) > 1e-9*math.Abs(fwd)+1e-9 || math.Abs(viaW-fwd) > 1e-9*math.Abs(fwd)+1e-9 {
				t.Errorf("Σ dout·conv = %.12g, Σ x·dx = %.12g, Σ w·dw = %.12g: want all equal", fwd, viaX, viaW)
			}
		})
	}
}

// normals returns n standard normals rounded to float32.
func normals(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}
