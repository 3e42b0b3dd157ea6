package score

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gaussianRows draws n rows of independent normals with the given means and
// standard deviations, one per feature.
func gaussianRows(r *rand.Rand, n int, mu, sd []float64) []float64 {
	x := make([]float64, 0, n*len(mu))
	for range n {
		for i := range mu {
			x = append(x, mu[i]+sd[i]*r.NormFloat64())
		}
	}
	return x
}

// sampleStats returns the mean and the unbiased variance of feature i of
// rows x [n, dim]: the closed forms below must use the sample statistics,
// not the parameters the rows were drawn from.
func sampleStats(x []float64, dim, i int) (mean, variance float64) {
	n := len(x) / dim
	for r := range n {
		mean += x[r*dim+i]
	}
	mean /= float64(n)
	for r := range n {
		d := x[r*dim+i] - mean
		variance += d * d
	}
	return mean, variance / float64(n-1)
}

func TestFrechetIdenticalSetsIsZero(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a := gaussianRows(r, 300, []float64{1, -2, 0, 3}, []float64{1, 2, 0.5, 3})
	d, err := FrechetDistance(a, a, 4)
	if err != nil {
		t.Fatal(err)
	}
	if d > 1e-9 {
		t.Fatalf("distance of a set to itself = %g, want 0", d)
	}
}

// In one dimension (Σ₁Σ₂)^½ = σ₁σ₂, so d² = (μ₁ − μ₂)² + (σ₁ − σ₂)².
func TestFrechet1DClosedForm(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a := gaussianRows(r, 500, []float64{0}, []float64{1})
	b := gaussianRows(r, 700, []float64{2}, []float64{3})
	m1, v1 := sampleStats(a, 1, 0)
	m2, v2 := sampleStats(b, 1, 0)
	want := (m1-m2)*(m1-m2) + (math.Sqrt(v1)-math.Sqrt(v2))*(math.Sqrt(v1)-math.Sqrt(v2))
	got, err := FrechetDistance(a, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-9*want {
		t.Fatalf("1-D distance = %.12g, want (μ₁−μ₂)² + (σ₁−σ₂)² = %.12g", got, want)
	}
}

// With diagonal covariances every feature is its own 1-D problem:
// d² = Σ_i (μ₁ᵢ − μ₂ᵢ)² + (√a_i − √b_i)². The sets are built with exactly
// diagonal sample covariances (±1 patterns on orthogonal rows), so the
// closed form holds exactly, not only in expectation.
func TestFrechetDiagonalClosedForm(t *testing.T) {
	// Rows of a 4×2 design whose columns are orthogonal and centred:
	// (+1,+1), (+1,−1), (−1,+1), (−1,−1).
	signs := [][2]float64{{1, 1}, {1, -1}, {-1, 1}, {-1, -1}}
	build := func(mu, sd [2]float64) []float64 {
		var x []float64
		for _, s := range signs {
			x = append(x, mu[0]+sd[0]*s[0], mu[1]+sd[1]*s[1])
		}
		return x
	}
	a := build([2]float64{1, 2}, [2]float64{1, 3})
	b := build([2]float64{-1, 0.5}, [2]float64{2, 0.5})
	// Unbiased variance of ±s over 4 rows: 4s²/3.
	want := 0.0
	for _, f := range []struct{ mu1, mu2, s1, s2 float64 }{{1, -1, 1, 2}, {2, 0.5, 3, 0.5}} {
		va, vb := 4*f.s1*f.s1/3, 4*f.s2*f.s2/3
		want += (f.mu1-f.mu2)*(f.mu1-f.mu2) + (math.Sqrt(va)-math.Sqrt(vb))*(math.Sqrt(va)-math.Sqrt(vb))
	}
	got, err := FrechetDistance(a, b, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-9*want {
		t.Fatalf("2-D diagonal distance = %.12g, want %.12g", got, want)
	}
}

func TestFrechetIsSymmetric(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	dim := 8
	mu, sd := make([]float64, dim), make([]float64, dim)
	for i := range dim {
		mu[i], sd[i] = float64(i)/4, 1+float64(i)/8
	}
	a := gaussianRows(r, 200, mu, sd)
	// b is correlated across features, so its covariance is not diagonal.
	b := gaussianRows(r, 150, make([]float64, dim), sd)
	for row := range 150 {
		for i := 1; i < dim; i++ {
			b[row*dim+i] += 0.7 * b[row*dim+i-1]
		}
	}
	ab, err := FrechetDistance(a, b, dim)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := FrechetDistance(b, a, dim)
	if err != nil {
		t.Fatal(err)
	}
	if ab <= 0 || math.Abs(ab-ba) > 1e-9*ab {
		t.Fatalf("d(a, b) = %.12g, d(b, a) = %.12g, want equal and positive", ab, ba)
	}
}

func TestFrechetErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b []float64
		dim  int
	}{
		{"one row", []float64{1, 2}, []float64{1, 2, 3, 4}, 2},
		{"ragged rows", []float64{1, 2, 3}, []float64{1, 2, 3, 4}, 2},
		{"zero dim", []float64{1, 2}, []float64{1, 2}, 0},
		{"NaN feature", []float64{1, math.NaN(), 3, 4}, []float64{1, 2, 3, 4}, 2},
	} {
		if _, err := FrechetDistance(c.a, c.b, c.dim); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
