package tensor_test

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// On the first step from m = v = 0 without weight decay, AdamWRef gives
// m = (1−β₁)g and v = (1−β₂)g², and the bias corrections cancel them:
//
//	p −= lr/(1−β₁) · (1−β₁)g / (√((1−β₂)g²)/√(1−β₂) + ε) = lr·g/(|g| + ε)
//
// so every parameter moves by about lr against the sign of its gradient,
// and not at all where g = 0. Values from Python:
// [p - 0.1*g/(abs(g)+1e-8) for p, g in zip(P, G)].
func TestAdamWFirstStep(t *testing.T) {
	dev := tensor.NewCPU()
	p := tensor.FromSlice(dev, []float32{1, 1, -0.5, 2}, 4)
	g := tensor.FromSlice(dev, []float32{0.5, -2, 0, 1e-3}, 4)
	m, v := tensor.Zeros(dev, 4), tensor.Zeros(dev, 4)
	tensor.AdamW(p, g, m, v, tensor.AdamWArgs{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1})
	wantTensor(t, "p", p, []int{4}, []float64{0.900000002, 1.0999999995, -0.5, 1.90000099999}, tol32)
	wantTensor(t, "m = 0.1·g", m, []int{4}, []float64{0.05, -0.2, 0, 0.0001}, tol32)
	// v within 1e-6 absolute: float32(0.999) leaves 1−β₂ off by about 1e-5 relative.
	wantTensor(t, "v = 0.001·g²", v, []int{4}, []float64{0.00025, 0.004, 0, 1e-9}, tol32)
}

// Two steps with weight decay, in float64. The hyper-parameters are powers
// of two (lr 2⁻³, β₁ 2⁻¹, β₂ 3/4, ε 2⁻¹⁰, wd 2⁻¹) so that passing them as
// float32 loses nothing. Expected values from Python following PyTorch's
// AdamW, per element and step t:
//
//	p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g
//	p -= lr * (m/(1-b1**t)) / (math.sqrt(v/(1-b2**t)) + eps)
func TestAdamWWeightDecay(t *testing.T) {
	dev := tensor.NewCPU64()
	p := tensor.FromFloat64(dev, []float64{1, -2, 0.5}, 3)
	m, v := tensor.Zeros(dev, 3), tensor.Zeros(dev, 3)
	args := tensor.AdamWArgs{LR: 0.125, Beta1: 0.5, Beta2: 0.75, Eps: 1.0 / 1024, WeightDecay: 0.5, Step: 1}

	tensor.AdamW(p, tensor.FromFloat64(dev, []float64{0.5, -1, 0}, 3), m, v, args)
	wantTensor(t, "p after step 1", p, []int{3}, []float64{0.812743664717349, -1.75012195121951, 0.46875}, 1e-13)
	wantTensor(t, "m after step 1", m, []int{3}, []float64{0.25, -0.5, 0}, tol64)
	wantTensor(t, "v after step 1", v, []int{3}, []float64{0.0625, 0.25, 0}, tol64)

	args.Step = 2
	tensor.AdamW(p, tensor.FromFloat64(dev, []float64{-0.25, 3, 1}, 3), m, v, args)
	wantTensor(t, "p after step 2", p, []int{3}, []float64{0.761947185672515, -1.72896517612417, 0.329355718658688}, 1e-13)
	wantTensor(t, "m after step 2", m, []int{3}, []float64{0, 1.25, 0.5}, tol64)
	wantTensor(t, "v after step 2", v, []int{3}, []float64{0.0625, 2.4375, 0.25}, tol64)
}

// ema = 0.9·ema + 0.1·param, twice, by hand:
// [1, 2, 3] → [0.9+1.1, 1.8−0.8, 2.7+0.3] = [2, 1, 3] → [1.8+1.1, 0.9−0.8, 2.7+0.3].
func TestEMA(t *testing.T) {
	for _, d := range devices {
		ema := tensor.FromFloat64(d.dev, []float64{1, 2, 3}, 3)
		param := tensor.FromFloat64(d.dev, []float64{11, -8, 3}, 3)
		tensor.EMA(ema, param, 0.9)
		// 0.9 is rounded to float32 on the way in, so even float64 is off by ~1e-8.
		wantTensor(t, d.name+" EMA once", ema, []int{3}, []float64{2, 1, 3}, 1e-6)
		tensor.EMA(ema, param, 0.9)
		wantTensor(t, d.name+" EMA twice", ema, []int{3}, []float64{2.9, 0.1, 3}, 1e-6)
	}
}
