package data

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
