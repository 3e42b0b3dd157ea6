package data

import (
	"math"
	"path/filepath"
	"testing"
)

// TestResizeCropKeepsCentre loads a wide and a tall gradient at their shorter
// side's size: no scaling, so the crop must be exactly the middle pixels.
func TestResizeCropKeepsCentre(t *testing.T) {
	dir := t.TempDir()
	saveImage(t, filepath.Join(dir, "a", "wide.png"), grayFunc(12, 4, func(x, y int) uint8 { return uint8(20*x + y) }))
	saveImage(t, filepath.Join(dir, "a", "tall.png"), grayFunc(4, 12, func(x, y int) uint8 { return uint8(x + 20*y) }))
	d, err := LoadImageFolder(dir, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	for y := range 4 {
		for x := range 4 {
			// Sorted: tall.png is image 0, wide.png image 1; both keep 4..7 of 12.
			if got, want := d.Image(0)[y*4+x], unit(float64(x+20*(y+4))); math.Abs(float64(got-want)) > 1e-6 {
				t.Errorf("tall (%d,%d) = %v, want %v", x, y, got, want)
			}
			if got, want := d.Image(1)[y*4+x], unit(float64(20*(x+4)+y)); math.Abs(float64(got-want)) > 1e-6 {
				t.Errorf("wide (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestResizeDownscaleAverages halves an 8×16 image: each output pixel is the
// mean of a 2×2 block, and the 8×8 window keeps source rows 4..11.
func TestResizeDownscaleAverages(t *testing.T) {
	px := func(x, y int) uint8 { return uint8((x*37 + y*11) % 256) }
	dir := t.TempDir()
	saveImage(t, filepath.Join(dir, "a", "x.png"), grayFunc(8, 16, px))
	d, err := LoadImageFolder(dir, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	for y := range 4 {
		for x := range 4 {
			sx, sy := 2*x, 2*y+4
			mean := (float64(px(sx, sy)) + float64(px(sx+1, sy)) + float64(px(sx, sy+1)) + float64(px(sx+1, sy+1))) / 4
			if got := d.Image(0)[y*4+x]; math.Abs(float64(got-unit(mean))) > 1e-6 {
				t.Errorf("(%d,%d) = %v, want %v (mean of the 2×2 block)", x, y, got, unit(mean))
			}
		}
	}
}

func TestResampleTaps(t *testing.T) {
	// Weights sum to 1 and stay inside the source, shrinking or growing.
	for _, c := range []struct{ in, out, short int }{{10, 4, 10}, {28, 28, 28}, {7, 3, 5}, {2, 8, 2}, {3, 5, 2}, {100, 17, 64}, {5, 5, 5}} {
		taps := resampleTaps(c.in, c.out, float64(c.out)/float64(c.short))
		for i, ts := range taps {
			sum := 0.0
			for _, tp := range ts {
				if tp.index < 0 || tp.index >= c.in {
					t.Fatalf("%+v: output %d reads source %d", c, i, tp.index)
				}
				sum += tp.weight
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("%+v: output %d weights sum to %v", c, i, sum)
			}
		}
	}
	// Doubling 2 samples (a, b) bilinearly gives a, ¾a+¼b, ¼a+¾b, b.
	want := [][2]float64{{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}}
	for i, ts := range resampleTaps(2, 4, 2) {
		var w [2]float64
		for _, tp := range ts {
			w[tp.index] += tp.weight
		}
		if w != want[i] {
			t.Errorf("upscale output %d weights %v, want %v", i, w, want[i])
		}
	}
}
