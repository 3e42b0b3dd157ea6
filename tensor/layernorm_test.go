package tensor_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// A plain LayerNorm of [1, 2, 3, 4]: mean 2.5, variance
// (2.25+0.25+0.25+2.25)/4 = 1.25, rstd = 1/√(1.25 + 1e-6), and
// out = (x − 2.5)·rstd. Values from Python: 1/math.sqrt(1.25+1e-6) etc.
func TestLayerNormPlain(t *testing.T) {
	for _, d := range devices {
		x := tensor.FromFloat64(d.dev, []float64{1, 2, 3, 4}, 1, 1, 4)
		out, mean, rstd := tensor.LayerNormModulate(x, nil, nil)
		wantTensor(t, d.name+" mean", mean, []int{1, 1}, []float64{2.5}, d.tol)
		wantTensor(t, d.name+" rstd", rstd, []int{1, 1}, []float64{0.8944268332292541}, d.tol)
		wantTensor(t, d.name+" out", out, []int{1, 1, 4}, []float64{
			-1.341640249843881, -0.44721341661462705, 0.44721341661462705, 1.341640249843881,
		}, d.tol)
	}
}

// The modulated rows used by the forward and backward tests: B = 2, T = 2,
// D = 4. Row (0,1) is constant, so x̂ = 0, rstd = 1/√ε = 1000 and its output
// is exactly shift[0]. Row (1,1) = [0, 0, 10, 10] has mean 5 and variance 25.
var (
	lnX = []float64{
		1, 2, 3, 4, // b0 t0
		2, 2, 2, 2, // b0 t1
		4, 3, 2, 1, // b1 t0
		0, 0, 10, 10, // b1 t1
	}
	lnShift = []float64{0.1, 0.2, 0.3, 0.4, -1, 0, 1, 2}
	lnScale = []float64{0, 1, -1, 0.5, 2, 0, 0, 0}
	lnDout  = []float64{
		1, 0, -1, 2,
		0.5, 0.5, -1, 3,
		-2, 1, 0, 1,
		1, 1, 1, -1,
	}
)

// out = x̂·(1 + scale[b]) + shift[b], shift and scale shared by the tokens
// of a sample. Values from Python: xh = (x-mu)/math.sqrt(var+1e-6) per row,
// then xh*(1+scale)+shift.
func TestLayerNormModulate(t *testing.T) {
	for _, d := range devices {
		x := tensor.FromFloat64(d.dev, lnX, 2, 2, 4)
		shift := tensor.FromFloat64(d.dev, lnShift, 2, 4)
		scale := tensor.FromFloat64(d.dev, lnScale, 2, 4)
		out, mean, rstd := tensor.LayerNormModulate(x, shift, scale)
		wantTensor(t, d.name+" out", out, []int{2, 2, 4}, []float64{
			-1.241640249843881, -0.694426833229254, 0.3, 2.4124603747658218,
			0.1, 0.2, 0.3, 0.4,
			3.0249207495316437, 0.44721341661462705, 0.5527865833853729, 0.6583597501561189,
			-3.9999999400000013, -0.9999999800000005, 1.9999999800000006, 2.9999999800000006,
		}, d.tol)
		// Means by hand; rstd 1/√(1.25+1e-6), 1/√1e-6, the same, 1/√(25+1e-6).
		wantTensor(t, d.name+" mean", mean, []int{2, 2}, []float64{2.5, 2, 2.5, 5}, d.tol)
		wantTensor(t, d.name+" rstd", rstd, []int{2, 2}, []float64{0.8944268332292541, 1000, 0.8944268332292541, 0.1999999960000001}, d.tol)

		// Either modulation may be nil (zero). Values from the same Python
		// with the other one set to zeros.
		out, _, _ = tensor.LayerNormModulate(x, shift, nil)
		wantTensor(t, d.name+" shift only", out, []int{2, 2, 4}, []float64{
			-1.241640249843881, -0.24721341661462704, 0.747213416614627, 1.741640249843881,
			0.1, 0.2, 0.3, 0.4,
			0.3416402498438811, 0.44721341661462705, 0.5527865833853729, 0.6583597501561189,
			-1.9999999800000006, -0.9999999800000005, 1.9999999800000006, 2.9999999800000006,
		}, d.tol)
		out, _, _ = tensor.LayerNormModulate(x, nil, scale)
		wantTensor(t, d.name+" scale only", out, []int{2, 2, 4}, []float64{
			-1.341640249843881, -0.8944268332292541, 0, 2.012460374765822,
			0, 0, 0, 0,
			4.024920749531644, 0.44721341661462705, -0.44721341661462705, -1.341640249843881,
			-2.9999999400000013, -0.9999999800000005, 0.9999999800000005, 0.9999999800000005,
		}, d.tol)
	}
}

// The gradients of L = Σ dout·out for the modulated rows above, in float64.
//
//   - dshift[b] = Σ_t dout[b,t], by hand.
//   - dscale[b] = Σ_t dout[b,t]·x̂[b,t], with x̂ from Python as above.
//   - dx of the smooth rows from a five-point central difference of the
//     Python forward (step 1e-3, error about 1e-11).
//   - dx of the constant row (0,1) by hand: there x̂ = 0 and ∂var/∂x = 0, so
//     ∂out_d/∂x_j = (1+scale_d)·(δ_dj − 1/D)/√ε. With g = dout·(1+scale) =
//     [0.5, 1, 0, 4.5] and mean(g) = 1.5, dx = 1000·(g − 1.5). (A finite
//     difference cannot resolve this row: a step of 1e-3 is far larger than
//     √ε.)
func TestLayerNormModulateBackward(t *testing.T) {
	dev := tensor.NewCPU64()
	x := tensor.FromFloat64(dev, lnX, 2, 2, 4)
	shift := tensor.FromFloat64(dev, lnShift, 2, 4)
	scale := tensor.FromFloat64(dev, lnScale, 2, 4)
	dout := tensor.FromFloat64(dev, lnDout, 2, 2, 4)
	_, mean, rstd := tensor.LayerNormModulate(x, shift, scale)
	dx, dshift, dscale := tensor.LayerNormModulateBackward(dout, x, scale, mean, rstd, true)

	wantTensor(t, "dshift", dshift, []int{2, 4}, []float64{
		1 + 0.5, 0 + 0.5, -1 - 1, 2 + 3,
		-2 + 1, 1 + 1, 0 + 1, 1 - 1,
	}, tol64)
	wantTensor(t, "dscale", dscale, []int{2, 4}, []float64{
		-1.341640249843881, 0, -0.44721341661462705, 2.683280499687762,
		-3.6832804796877627, -0.5527865633853735, 0.9999999800000005, -2.3416402298438816,
	}, tol64)
	wantTensor(t, "dx", dx, []int{2, 2, 4}, []float64{
		0.804983505920213, -0.6260989979228379, -1.162754668534734, 0.9838701605391353,
		-1000, -500, -1500, 3000,
		-1.7888558130828198, 2.683279784145768, 7.155412558764359e-07, -0.8944246866065726,
		0.20000000400077766, -0.19999998799972532, 0.19999998799950328, -0.20000000399914933,
	}, 1e-9)
}

// For a plain LayerNorm the output does not change when a constant is added
// to a row or when a row is scaled (ε aside), so every row of dx satisfies
// Σ_d dx = 0 and Σ_d dx·x̂ ≈ 0. Without modulation there is no dshift or
// dscale.
func TestLayerNormBackwardIdentities(t *testing.T) {
	dev := tensor.NewCPU64()
	x := tensor.FromFloat64(dev, []float64{1, 2, 3, 4, 0, 0, 10, 10, -3, 5, 0.5, 2}, 1, 3, 4)
	dout := tensor.FromFloat64(dev, []float64{1, 0, -1, 2, 0.5, 0.5, -1, 3, -2, 1, 0, 1}, 1, 3, 4)
	out, mean, rstd := tensor.LayerNormModulate(x, nil, nil)
	dx, dshift, dscale := tensor.LayerNormModulateBackward(dout, x, nil, mean, rstd, false)
	if dshift != nil || dscale != nil {
		t.Errorf("withModulation=false returned dshift %v, dscale %v; want nil", dshift, dscale)
	}
	g, _ := dx.Float64s()
	xhat, _ := out.Float64s() // with no modulation, out is x̂
	for row := range 3 {
		var sum, dot float64
		for d := range 4 {
			sum += g[row*4+d]
			dot += g[row*4+d] * xhat[row*4+d]
		}
		// Scaling a row changes x̂ only through ε, so the second sum is of order
		// ε/var (6e-7 for row 0), not of order rounding.
		if math.Abs(sum) > 1e-12 || math.Abs(dot) > 1e-5 {
			t.Errorf("row %d: Σ dx = %.3g, Σ dx·x̂ = %.3g; want both ≈ 0", row, sum, dot)
		}
	}
}
