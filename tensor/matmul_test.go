package tensor_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// The product used throughout, worked out by hand:
//
//	A = [1 2 3]   B = [ 7  8]   A·B = [1·7+2·9+3·11  1·8+2·10+3·12] = [ 58  64]
//	    [4 5 6]       [ 9 10]         [4·7+5·9+6·11  4·8+5·10+6·12]   [139 154]
//	                  [11 12]
var (
	matA  = []float32{1, 2, 3, 4, 5, 6}          // [2, 3]
	matAT = []float32{1, 4, 2, 5, 3, 6}          // Aᵀ stored [3, 2]
	matB  = []float32{7, 8, 9, 10, 11, 12}       // [3, 2]
	matBT = []float32{7, 9, 11, 8, 10, 12}       // Bᵀ stored [2, 3]
	matAB = []float64{58, 64, 139, 154}          // A·B, [2, 2]
	matE  = []float32{1, 0, 0, 0, 0, 1}          // [2, 3]: picks rows 0 and 2 of what it multiplies
	matEB = []float64{7, 8, 11, 12}              // E·B: rows 0 and 2 of B
	matNB = []float32{-7, -8, -9, -10, -11, -12} // −B, [3, 2]
	matEN = []float64{-7, -8, -11, -12}          // E·(−B)
)

// Storing an operand transposed and saying so must give the same product.
func TestMatMulTransposes(t *testing.T) {
	dev := tensor.NewCPU()
	cases := []struct {
		name           string
		a, b           []float32
		aShape, bShape []int
		transA, transB bool
	}{
		{"A·B", matA, matB, []int{2, 3}, []int{3, 2}, false, false},
		{"Aᵀ stored, transA", matAT, matB, []int{3, 2}, []int{3, 2}, true, false},
		{"Bᵀ stored, transB", matA, matBT, []int{2, 3}, []int{2, 3}, false, true},
		{"both stored transposed", matAT, matBT, []int{3, 2}, []int{2, 3}, true, true},
	}
	for _, c := range cases {
		a := tensor.FromSlice(dev, c.a, c.aShape...)
		b := tensor.FromSlice(dev, c.b, c.bShape...)
		wantTensor(t, c.name, tensor.MatMul(a, b, c.transA, c.transB, nil), []int{2, 2}, matAB, 0)
	}
}

// The bias is added to every row: A·B + [0.5, -1].
func TestMatMulBias(t *testing.T) {
	dev := tensor.NewCPU()
	a := tensor.FromSlice(dev, matA, 2, 3)
	b := tensor.FromSlice(dev, matB, 3, 2)
	bias := tensor.FromSlice(dev, []float32{0.5, -1}, 2)
	// [58+0.5, 64-1, 139+0.5, 154-1]
	wantTensor(t, "A·B+bias", tensor.MatMul(a, b, false, false, bias), []int{2, 2}, []float64{58.5, 63, 139.5, 153}, 0)
}

// A batch of two products: batch 0 is A·B, batch 1 is E·(−B) (rows 0 and 2
// of −B), so a wrong batch offset into either operand shows up.
func TestMatMulBatched(t *testing.T) {
	dev := tensor.NewCPU()
	a := tensor.FromSlice(dev, slices.Concat(matA, matE), 2, 2, 3)
	b := tensor.FromSlice(dev, slices.Concat(matB, matNB), 2, 3, 2)
	want := slices.Concat(matAB, matEN)
	wantTensor(t, "[2,2,3]·[2,3,2]", tensor.MatMul(a, b, false, false, nil), []int{2, 2, 2}, want, 0)

	// The same batch with a four-axis shape [2, 1, 2, 3]: every leading axis
	// is a batch axis.
	a4, b4 := a.Reshape(2, 1, 2, 3), b.Reshape(2, 1, 3, 2)
	wantTensor(t, "[2,1,2,3]·[2,1,3,2]", tensor.MatMul(a4, b4, false, false, nil), []int{2, 1, 2, 2}, want, 0)

	// Batched with both stored transposed: batch 0 holds Aᵀ and Bᵀ, batch 1
	// Eᵀ = [1 0; 0 0; 0 1] and (−B)ᵀ.
	aT := tensor.FromSlice(dev, slices.Concat(matAT, []float32{1, 0, 0, 0, 0, 1}), 2, 3, 2)
	bT := tensor.FromSlice(dev, slices.Concat(matBT, []float32{-7, -9, -11, -8, -10, -12}), 2, 2, 3)
	wantTensor(t, "[2,3,2]ᵀ·[2,2,3]ᵀ", tensor.MatMul(aT, bT, true, true, nil), []int{2, 2, 2}, want, 0)
}

// One matrix b shared by every row of a [B, T, K]: a Linear layer on tokens.
// The rows of a are A's and E's, so the result is A·B above E·B.
func TestMatMulSharedWeight(t *testing.T) {
	dev := tensor.NewCPU()
	x := tensor.FromSlice(dev, slices.Concat(matA, matE), 2, 2, 3)
	want := slices.Concat(matAB, matEB)
	w := tensor.FromSlice(dev, matB, 3, 2)
	wantTensor(t, "[2,2,3]·[3,2]", tensor.MatMul(x, w, false, false, nil), []int{2, 2, 2}, want, 0)

	// The Linear form: w stored [out, in] = Bᵀ, with a bias [1, 2] added to
	// every token.
	wOut := tensor.FromSlice(dev, matBT, 2, 3)
	bias := tensor.FromSlice(dev, []float32{1, 2}, 2)
	// [58+1, 64+2, 139+1, 154+2, 7+1, 8+2, 11+1, 12+2]
	wantTensor(t, "Linear", tensor.MatMul(x, wOut, false, true, bias), []int{2, 2, 2}, []float64{59, 66, 140, 156, 8, 10, 12, 14}, 0)
}

// MatMulAcc adds the product onto what out already holds.
func TestMatMulAcc(t *testing.T) {
	dev := tensor.NewCPU()
	out := tensor.FromSlice(dev, []float32{1, -1, 0.5, 100}, 2, 2)
	a := tensor.FromSlice(dev, matA, 2, 3)
	b := tensor.FromSlice(dev, matB, 3, 2)
	tensor.MatMulAcc(out, a, b, false, false)
	// [58+1, 64-1, 139+0.5, 154+100]
	wantTensor(t, "out+A·B", out, []int{2, 2}, []float64{59, 63, 139.5, 254}, 0)

	// Twice more, with both operands stored transposed: + 2·A·B.
	aT := tensor.FromSlice(dev, matAT, 3, 2)
	bT := tensor.FromSlice(dev, matBT, 2, 3)
	tensor.MatMulAcc(out, aT, bT, true, true)
	tensor.MatMulAcc(out, aT, bT, true, true)
	// [59+116, 63+128, 139.5+278, 254+308]
	wantTensor(t, "out+3·A·B", out, []int{2, 2}, []float64{175, 191, 417.5, 562}, 0)
}

// The gradient of a Linear layer's weight is xᵀ·dy summed over all tokens:
// with x [B·T, in] viewed as one matrix, MatMul(x, dy, true, false) adds up
// every token's outer product.
func TestMatMulWeightGradient(t *testing.T) {
	dev := tensor.NewCPU64()
	// Two tokens x₀ = [1, 2], x₁ = [3, 4] and upstream gradients dy₀ = [1, 0, -1], dy₁ = [2, 1, 0].
	x := tensor.FromFloat64(dev, []float64{1, 2, 3, 4}, 2, 2)
	dy := tensor.FromFloat64(dev, []float64{1, 0, -1, 2, 1, 0}, 2, 3)
	// x₀ᵀdy₀ + x₁ᵀdy₁ = [1 0 -1; 2 0 -2] + [6 3 0; 8 4 0], by hand.
	wantTensor(t, "xᵀ·dy", tensor.MatMul(x, dy, true, false, nil), []int{2, 3}, []float64{7, 3, -1, 10, 4, -2}, 0)
}

// Big enough for MatMulRef to split its rows over the cores: with
// a[i,k] = i and b[k,j] = j, every entry is Σ_k i·j = K·i·j.
func TestMatMulParallelRows(t *testing.T) {
	const M, K, N = 96, 64, 80
	dev := tensor.NewCPU()
	a, b := make([]float32, M*K), make([]float32, K*N)
	for i := range M {
		for k := range K {
			a[i*K+k] = float32(i)
		}
	}
	for k := range K {
		for j := range N {
			b[k*N+j] = float32(j)
		}
	}
	want := make([]float64, M*N)
	for i := range M {
		for j := range N {
			want[i*N+j] = float64(K * i * j) // at most 64·95·79, exact in float32
		}
	}
	c := tensor.MatMul(tensor.FromSlice(dev, a, M, K), tensor.FromSlice(dev, b, K, N), false, false, nil)
	wantTensor(t, "K·i·j", c, []int{M, N}, want, 0)
}

// MatMulBF16 and MatMulAccBF16 round both operands to bfloat16 first. With
//
//	A = [1+2⁻⁸  2      ]  →  [1  2     ]    B = [1    1+2⁻⁹]  →  [1    1]
//	    [3      1+3·2⁻⁸]     [3  1+2⁻⁶]        [0.5  1    ]     [0.5  1]
//
// (1+2⁻⁸ and 1+3·2⁻⁸ are halfway cases and go to the even neighbour, 1+2⁻⁹
// is below halfway), the product of the rounded operands is exact:
//
//	[1+1            1+2      ]   [2          3       ]
//	[3+0.5+2⁻⁷      3+1+2⁻⁶ ] = [3.5078125  4.015625]
//
// where float32 would give 2.00390625 for the first element.
func TestMatMulBF16(t *testing.T) {
	dev := tensor.NewCPU()
	const p8 = 1.0 / 256
	a := tensor.FromSlice(dev, []float32{1 + p8, 2, 3, 1 + 3*p8}, 2, 2)
	b := tensor.FromSlice(dev, []float32{1, 1 + p8/2, 0.5, 1}, 2, 2)
	aT := tensor.FromSlice(dev, []float32{1 + p8, 3, 2, 1 + 3*p8}, 2, 2)
	bT := tensor.FromSlice(dev, []float32{1, 0.5, 1 + p8/2, 1}, 2, 2)
	want := []float64{2, 3, 3.5078125, 4.015625}
	wantTensor(t, "bf16(A)·bf16(B)", tensor.MatMulBF16(a, b, false, false, nil), []int{2, 2}, want, 0)
	wantTensor(t, "Aᵀ and Bᵀ stored", tensor.MatMulBF16(aT, bT, true, true, nil), []int{2, 2}, want, 0)
	wantTensor(t, "A·B in float32", tensor.MatMul(a, b, false, false, nil), []int{2, 2}, []float64{2.00390625, 3 + p8 + p8/2 + p8/512, 3.5 + 3*p8/2, 4 + 9*p8/2}, 0)

	bias := tensor.FromSlice(dev, []float32{0.25, -1}, 2) // float32: not rounded
	wantTensor(t, "with bias", tensor.MatMulBF16(a, b, false, false, bias), []int{2, 2}, []float64{2.25, 2, 3.7578125, 3.015625}, 0)

	out := tensor.FromSlice(dev, []float32{1 + p8, 1, 1, 1}, 2, 2) // out is float32: its 2⁻⁸ stays
	tensor.MatMulAccBF16(out, a, b, false, false)
	wantTensor(t, "out+bf16(A)·bf16(B)", out, []int{2, 2}, []float64{3 + p8, 4, 4.5078125, 5.015625}, 0)
}

// The same product in float32 and in bfloat16: 1.006 rounds to 1.0078125,
// the nearest bfloat16 (whose spacing near 1 is 2⁻⁷ = 0.0078125).
func ExampleMatMulBF16() {
	dev := tensor.NewCPU()
	a := tensor.FromSlice(dev, []float32{1.006, 2}, 1, 2)
	b := tensor.FromSlice(dev, []float32{1, 1}, 2, 1)
	fmt.Println(tensor.MatMul(a, b, false, false, nil).Data(), tensor.MatMulBF16(a, b, false, false, nil).Data())
	// Output: [3.006] [3.0078125]
}
