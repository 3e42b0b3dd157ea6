package picture

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The loss chart is a PNG of the documented size for every kind of run: a
// falling loss (log axis), one that crosses zero (linear axis), a diverged
// one, and one with nothing to draw yet.
func TestWriteLoss(t *testing.T) {
	dir := t.TempDir()
	var steps []int
	var falling, signed []float64
	for i := range 500 {
		steps = append(steps, 10*i)
		falling = append(falling, 2*math.Exp(-float64(i)/100)*(1+0.3*math.Sin(float64(i))))
		signed = append(signed, math.Sin(float64(i)/50)+0.3*math.Sin(1.7*float64(i)))
	}
	falling[7] = math.NaN() // left out
	diverged := []float64{0.5, 0.4, math.Inf(1), math.NaN()}
	for name, values := range map[string][]float64{"log": falling, "linear": signed, "diverged": diverged, "empty": nil} {
		path := filepath.Join(dir, name+".png")
		if err := WriteLoss(path, steps[:len(values)], values); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != lossWidth || b.Dy() != lossHeight {
			t.Errorf("%s: the chart is %d×%d, want %d×%d", name, b.Dx(), b.Dy(), lossWidth, lossHeight)
		}
	}
}

func TestMovingAverage(t *testing.T) {
	got := movingAverage([]float64{1, 2, 3, 4, 5}, 2) // windows of 3, 2 at the ends
	want := []float64{1.5, 2, 3, 4, 4.5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("moving average %v, want %v", got, want)
		}
	}
}
