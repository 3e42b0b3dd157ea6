package main

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// saveImage writes img as PNG, or as JPEG (quality 100) when path ends in .jpg.
func saveImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".jpg") {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
	} else {
		err = png.Encode(f, img)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func solid(w, h int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	return img
}

// grayFunc is a w×h grayscale image whose pixel (x, y) is f(x, y).
func grayFunc(w, h int, f func(x, y int) uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{f(x, y)})
		}
	}
	return img
}

// unit maps a byte to the dataset's range, as the loaders do.
func unit(v float64) float32 { return float32(v/127.5 - 1) }

func TestLoadImageFolder(t *testing.T) {
	dir := t.TempDir()
	// Class folders are written out of order: labels follow sorted names.
	saveImage(t, filepath.Join(dir, "cats", "a.jpg"), solid(10, 10, color.NRGBA{40, 160, 220, 255}))
	saveImage(t, filepath.Join(dir, "apples", "1.png"), solid(8, 6, color.NRGBA{255, 0, 0, 255}))
	saveImage(t, filepath.Join(dir, "apples", "2.PNG"), solid(3, 5, color.NRGBA{255, 255, 255, 0})) // transparent
	os.WriteFile(filepath.Join(dir, "apples", "notes.txt"), []byte("skipped"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("skipped"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".cache"), 0o755) // hidden: not a class

	d, err := LoadImageFolder(dir, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.C != 3 || d.H != 4 || d.W != 4 || d.Classes != 2 || d.Source != dir {
		t.Fatalf("got N=%d C=%d H=%d W=%d classes=%d source=%q, want 3 3 4 4 2 %q", d.N, d.C, d.H, d.W, d.Classes, d.Source, dir)
	}
	if len(d.Names) != 2 || d.Names[0] != "apples" || d.Names[1] != "cats" {
		t.Errorf("names %q, want [apples cats]", d.Names)
	}
	if d.Labels[0] != 0 || d.Labels[1] != 0 || d.Labels[2] != 1 {
		t.Errorf("labels %v, want [0 0 1]", d.Labels)
	}
	// Red, [C, H, W]: channel 0 is all 1, channels 1 and 2 all −1.
	for i, v := range d.Image(0) {
		want := float32(-1)
		if i < 16 {
			want = 1
		}
		if v != want {
			t.Fatalf("red image value %d = %v, want %v", i, v, want)
		}
	}
	if v := d.Image(1)[5]; v != -1 {
		t.Errorf("transparent white = %v, want -1 (composited onto black)", v)
	}
	for c, want := range []float64{40, 160, 220} { // JPEG is lossy: allow 2/255
		if v := d.Image(2)[c*16+5]; math.Abs(float64(v-unit(want))) > 2/127.5 {
			t.Errorf("JPEG channel %d = %v, want ≈ %v", c, v, unit(want))
		}
	}

	g, err := LoadImageFolder(dir, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if g.C != 1 || len(g.Images) != 3*16 {
		t.Fatalf("grayscale: C=%d with %d values, want 1 and 48", g.C, len(g.Images))
	}
	if v, want := g.Image(0)[7], unit(0.299*255); math.Abs(float64(v-want)) > 1e-6 {
		t.Errorf("luma of red = %v, want %v", v, want)
	}
}

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

func TestFlipHorizontal(t *testing.T) {
	img := []float32{ // [2, 2, 3]
		1, 2, 3, 4, 5, 6,
		7, 8, 9, 10, 11, 12,
	}
	want := []float32{
		3, 2, 1, 6, 5, 4,
		9, 8, 7, 12, 11, 10,
	}
	got := FlipHorizontal(img, 2, 2, 3)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("FlipHorizontal = %v, want %v", got, want)
		}
	}
	if img[0] != 1 {
		t.Errorf("FlipHorizontal changed its input")
	}
}

func TestLoadImageFolderErrors(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(t *testing.T, dir string)
		channels int
		names    string // within dir
		says     string
	}{
		{"missing dir", func(t *testing.T, dir string) { os.Remove(dir) }, 3, "", "cannot read image folder"},
		{"no sub-folders", func(t *testing.T, dir string) {
			saveImage(t, filepath.Join(dir, "loose.png"), solid(2, 2, color.White))
		}, 3, "", "no class sub-folders"},
		{"empty class", func(t *testing.T, dir string) {
			saveImage(t, filepath.Join(dir, "a", "x.png"), solid(2, 2, color.White))
			os.MkdirAll(filepath.Join(dir, "b"), 0o755)
			os.WriteFile(filepath.Join(dir, "b", "notes.txt"), []byte("not an image"), 0o644)
		}, 3, "b", "no .png, .jpg or .jpeg images"},
		{"corrupt image", func(t *testing.T, dir string) {
			saveImage(t, filepath.Join(dir, "a", "x.png"), solid(2, 2, color.White))
			os.WriteFile(filepath.Join(dir, "a", "y.jpeg"), []byte("not a JPEG"), 0o644)
		}, 3, filepath.Join("a", "y.jpeg"), "cannot decode"},
		{"bad channels", func(t *testing.T, dir string) {}, 2, "", "1 (grayscale) or 3 (RGB)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.setup(t, dir)
			_, err := LoadImageFolder(dir, 4, c.channels)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if c.channels == 2 {
				if !strings.Contains(msg, c.says) {
					t.Errorf("error %q should say %q", msg, c.says)
				}
				return
			}
			if !strings.Contains(msg, filepath.Join(dir, c.names)) || !strings.Contains(msg, c.says) {
				t.Errorf("error %q\nshould name %s and say %q", msg, filepath.Join(dir, c.names), c.says)
			}
		})
	}
}
