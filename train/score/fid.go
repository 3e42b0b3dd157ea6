package score

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// FrechetDistance returns the squared Fréchet distance between Gaussians
// fitted to two sets of feature vectors, a [na, dim] and b [nb, dim]
// row-major — the FID of Heusel et al. (2017) when the features come from a
// classifier:
//
//	d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2·(Σ₁Σ₂)^½)
//
// The means μ and the covariances Σ (normalised by n − 1, as numpy.cov does)
// are those of each set. Σ₁Σ₂ is not symmetric, but it is similar to the
// symmetric positive semi-definite √Σ₁·Σ₂·√Σ₁, so
//
//	tr((Σ₁Σ₂)^½) = Σ_i √λ_i(√Σ₁·Σ₂·√Σ₁)
//
// and two symmetric eigendecompositions give it without a complex matrix
// square root. Eigenvalues that round-off pushes below zero count as zero.
func FrechetDistance(a, b []float64, dim int) (float64, error) {
	if dim < 1 {
		return 0, fmt.Errorf("frechet distance: feature dimension %d, want at least 1", dim)
	}
	if len(a)%dim != 0 || len(b)%dim != 0 {
		return 0, fmt.Errorf("frechet distance: %d and %d values are not whole rows of %d features", len(a), len(b), dim)
	}
	mu1, sigma1, err := gaussian(a, dim)
	if err != nil {
		return 0, fmt.Errorf("frechet distance, first set: %w", err)
	}
	mu2, sigma2, err := gaussian(b, dim)
	if err != nil {
		return 0, fmt.Errorf("frechet distance, second set: %w", err)
	}

	// √Σ₁ = V·diag(√λ)·Vᵀ from Σ₁ = V·diag(λ)·Vᵀ.
	sqrt1, err := sqrtPSD(sigma1)
	if err != nil {
		return 0, fmt.Errorf("frechet distance: square root of the first covariance: %w", err)
	}
	// M = √Σ₁·Σ₂·√Σ₁, symmetric in exact arithmetic; symmetrise the rounding.
	var t, m mat.Dense
	t.Mul(sqrt1, sigma2)
	m.Mul(&t, sqrt1)
	sym := mat.NewSymDense(dim, nil)
	for i := range dim {
		for j := i; j < dim; j++ {
			sym.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, fmt.Errorf("frechet distance: the eigendecomposition of √Σ₁·Σ₂·√Σ₁ did not converge")
	}
	var trSqrt float64
	for _, l := range eig.Values(nil) {
		trSqrt += math.Sqrt(max(l, 0))
	}

	var d2 float64
	for i := range dim {
		diff := mu1[i] - mu2[i]
		d2 += diff*diff + sigma1.At(i, i) + sigma2.At(i, i)
	}
	d2 -= 2 * trSqrt
	// A distance is never negative; identical sets can round to −1e-12.
	return max(d2, 0), nil
}

// gaussian returns the mean [dim] and the unbiased covariance [dim, dim] of
// the rows of x [n, dim]. It fails for fewer than two rows, whose covariance
// is undefined, and for NaN or infinite features (diverged samples).
func gaussian(x []float64, dim int) ([]float64, *mat.SymDense, error) {
	n := len(x) / dim
	if n < 2 {
		return nil, nil, fmt.Errorf("%d feature vectors, need at least 2 for a covariance", n)
	}
	mu := make([]float64, dim)
	for r := range n {
		for i, v := range x[r*dim : (r+1)*dim] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("feature %d of row %d is %v (did the samples diverge?)", i, r, v)
			}
			mu[i] += v
		}
	}
	for i := range mu {
		mu[i] /= float64(n)
	}
	// Σ = Xcᵀ·Xc / (n − 1) with Xc the centred rows.
	xc := mat.NewDense(n, dim, nil)
	for r := range n {
		for i := range dim {
			xc.Set(r, i, x[r*dim+i]-mu[i])
		}
	}
	sigma := mat.NewSymDense(dim, nil)
	sigma.SymOuterK(1/float64(n-1), xc.T())
	return mu, sigma, nil
}

// sqrtPSD returns the symmetric square root of a positive semi-definite
// matrix, with negative round-off eigenvalues taken as zero.
func sqrtPSD(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("the eigendecomposition did not converge")
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	vals := eig.Values(nil)
	for i := range vals {
		vals[i] = math.Sqrt(max(vals[i], 0))
	}
	var vd, out mat.Dense
	vd.Mul(&v, mat.NewDiagDense(len(vals), vals)) // V·diag(√λ)
	out.Mul(&vd, v.T())                           // V·diag(√λ)·Vᵀ
	return &out, nil
}
