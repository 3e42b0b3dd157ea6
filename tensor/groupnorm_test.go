package tensor_test

import (
	"math"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// The inputs of the group-norm tests: B = 2, C = 2, H·W = 2 (H = 1, W = 2).
// Sample 1's channel 0 is constant, so with one channel per group its x̂ is
// 0 and its output is the affine's beta alone.
var (
	gnX     = []float64{1, 2, 3, 4, 0, 0, 10, 10}
	gnGamma = []float64{2, -1}
	gnBeta  = []float64{0.5, 1}
	gnShift = []float64{0, -1, 0.25, 0}
	gnScale = []float64{1, 0.5, 0, -2}
	gnDout  = []float64{1, -1, 0.5, 2, -2, 1, 3, 0.5}
)

// Every expected value below is from plain Python 3 with ε the float32
// rounding of 1e-5 (struct.pack('f', 1e-5)): per group mu = sum/n,
// var = Σ(x−mu)²/n, rs = 1/math.sqrt(var+eps), then
// ((x−mu)·rs·gamma[c] + beta[c])·(1+scale[b,c]) + shift[b,c].
func TestGroupNorm(t *testing.T) {
	for _, d := range devices {
		x := tensor.FromFloat64(d.dev, gnX, 2, 2, 1, 2)
		gamma := tensor.FromFloat64(d.dev, gnGamma, 2)
		beta := tensor.FromFloat64(d.dev, gnBeta, 2)
		shift := tensor.FromFloat64(d.dev, gnShift, 2, 2)
		scale := tensor.FromFloat64(d.dev, gnScale, 2, 2)

		// One group: each sample normalised over all four values. Sample 0
		// is [1, 2, 3, 4] (mean 2.5, variance 1.25), sample 1 [0, 0, 10, 10]
		// (mean 5, variance 25).
		out, mean, rstd := tensor.GroupNorm(x, gamma, beta, shift, scale, 1, tensor.GroupNormEps)
		wantTensor(t, d.name+" G=1 out", out, []int{2, 2, 1, 2}, []float64{
			-4.36654167987625, -0.7888472266254167, -0.17081770998453127, -1.512453129953594,
			-1.2499996000001299, -1.2499996000001299, -1.999999350577042e-07, -1.999999350577042e-07,
		}, d.tol)
		wantTensor(t, d.name+" G=1 mean", mean, []int{2, 1}, []float64{2.5, 5}, d.tol)
		wantTensor(t, d.name+" G=1 rstd", rstd, []int{2, 1}, []float64{0.8944236133127084, 0.199999960000013}, d.tol)
		out, _, _ = tensor.GroupNorm(x, gamma, beta, nil, nil, 1, tensor.GroupNormEps)
		wantTensor(t, d.name+" G=1 unmodulated", out, []int{2, 2, 1, 2}, []float64{
			-2.183270839938125, -0.39442361331270837, 0.5527881933436458, -0.34163541996906255,
			-1.4999996000001299, -1.4999996000001299, 1.999999350577042e-07, 1.999999350577042e-07,
		}, d.tol)

		// One channel per group (an InstanceNorm): the constant channel has
		// rstd = 1/√ε and x̂ = 0, so its output is beta·(1 + scale) + shift:
		// 0.5·1 + 0.25 = 0.75.
		out, mean, rstd = tensor.GroupNorm(x, gamma, beta, shift, scale, 2, tensor.GroupNormEps)
		wantTensor(t, d.name+" G=2 out", out, []int{2, 2, 1, 2}, []float64{
			-2.999920002401941, 4.999920002401941, 1.9999700009007277, -0.9999700009007277,
			0.75, 0.75, -1, -1,
		}, d.tol)
		wantTensor(t, d.name+" G=2 mean", mean, []int{2, 2}, []float64{1.5, 3.5, 0, 10}, d.tol)
		wantTensor(t, d.name+" G=2 rstd", rstd, []int{2, 2}, []float64{
			1.9999600012009704, 1.9999600012009704, 316.2277700111307, 316.2277700111307,
		}, d.tol)
	}
}

// The gradients of L = Σ dout·out for the one-group case above, in float64.
// dshift = Σ_p dout by hand; the others from five-point central differences
// of the Python forward (step 1e-3, error about 1e-11).
func TestGroupNormBackward(t *testing.T) {
	dev := tensor.NewCPU64()
	x := tensor.FromFloat64(dev, gnX, 2, 2, 1, 2)
	gamma := tensor.FromFloat64(dev, gnGamma, 2)
	beta := tensor.FromFloat64(dev, gnBeta, 2)
	shift := tensor.FromFloat64(dev, gnShift, 2, 2)
	scale := tensor.FromFloat64(dev, gnScale, 2, 2)
	dout := tensor.FromFloat64(dev, gnDout, 2, 2, 1, 2)
	_, mean, rstd := tensor.GroupNorm(x, gamma, beta, shift, scale, 1, tensor.GroupNormEps)
	dx, dgamma, dbeta, dshift, dscale := tensor.GroupNormBackward(dout, x, gamma, beta, scale, mean, rstd, 1, true)

	wantTensor(t, "dshift", dshift, []int{2, 2}, []float64{1 - 1, 0.5 + 2, -2 + 1, 3 + 0.5}, tol64)
	wantTensor(t, "dscale", dscale, []int{2, 2}, []float64{
		-1.788847226625423, -0.4068767432664118, 1.4999995999998756, 6.999997618587864e-07,
	}, 1e-9)
	wantTensor(t, "dbeta", dbeta, []int{2}, []float64{-1, 0.25}, 1e-9)
	wantTensor(t, "dgamma", dgamma, []int{2}, []float64{-0.7888474266263638, 0.8603158149003883}, 1e-9)
	wantTensor(t, "dx", dx, []int{2, 2, 1, 2}, []float64{
		2.034832771356928, -3.5329669222275615, 0.9614990339544456, 0.5366351169185565,
		-0.5999999900008953, 0.5999997700006551, 0.25000005999927427, -0.24999983999962616,
	}, 1e-9)

	// Without modulation there is no dshift or dscale.
	_, _, _, dshift, dscale = tensor.GroupNormBackward(dout, x, gamma, beta, nil, mean, rstd, 1, false)
	if dshift != nil || dscale != nil {
		t.Errorf("withModulation=false returned dshift %v, dscale %v; want nil", dshift, dscale)
	}
}

// The output of a group norm does not change when a constant is added to a
// group or when a group is scaled (ε aside), so for every group Σ dx = 0 and
// Σ dx·x̂ ≈ 0, whatever the affine and the modulation.
func TestGroupNormBackwardIdentities(t *testing.T) {
	dev := tensor.NewCPU64()
	const b, c, hw, groups = 2, 6, 5, 3
	val := func(n int, seed float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Sin(seed*float64(i+1)) * 3
		}
		return v
	}
	x := tensor.FromFloat64(dev, val(b*c*hw, 1.3), b, c, hw)
	gamma, beta := tensor.FromFloat64(dev, val(c, 2.1), c), tensor.FromFloat64(dev, val(c, 0.7), c)
	shift, scale := tensor.FromFloat64(dev, val(b*c, 1.9), b, c), tensor.FromFloat64(dev, val(b*c, 0.4), b, c)
	dout := tensor.FromFloat64(dev, val(b*c*hw, 2.9), b, c, hw)
	_, mean, rstd := tensor.GroupNorm(x, gamma, beta, shift, scale, groups, tensor.GroupNormEps)
	dx, _, _, _, _ := tensor.GroupNormBackward(dout, x, gamma, beta, scale, mean, rstd, groups, true)
	g, _ := dx.Float64s()
	xs, _ := x.Float64s()
	m, _ := mean.Float64s()
	r, _ := rstd.Float64s()
	n := c / groups * hw
	for bg := range b * groups {
		var sum, dot float64
		for i := bg * n; i < (bg+1)*n; i++ {
			sum += g[i]
			dot += g[i] * (xs[i] - m[bg]) * r[bg]
		}
		// Scaling a group changes x̂ only through ε, so the second sum is
		// of order ε/var, not of order rounding.
		if math.Abs(sum) > 1e-12 || math.Abs(dot) > 1e-4 {
			t.Errorf("group %d: Σ dx = %.3g, Σ dx·x̂ = %.3g; want both ≈ 0", bg, sum, dot)
		}
	}
}
