package main

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// readPNG decodes path and returns it as RGBA.
func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	return rgba
}

func TestWriteGrid(t *testing.T) {
	nan := float32(math.NaN())
	images := []float32{ // [3, 1, 2, 2]
		-1, -1, -1, -1, // black
		1, 1, 1, 1, // white
		0, -2, 2, nan, // mid gray, clipped black, clipped white, NaN
	}
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := WriteGrid(path, images, 3, 1, 2, 2, 2, 3); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	// 2 columns × 2 rows of 6×6 tiles (2×2 at scale 3), 3 gaps of 2 each way.
	if b := img.Bounds(); b.Dx() != 18 || b.Dy() != 18 {
		t.Fatalf("grid is %d×%d, want 18×18", b.Dx(), b.Dy())
	}
	black, white := color.RGBA{0, 0, 0, 255}, color.RGBA{255, 255, 255, 255}
	for _, c := range []struct {
		x, y int
		want color.RGBA
		what string
	}{
		{0, 0, gridSeparator, "corner separator"},
		{8, 3, gridSeparator, "separator between columns"},
		{3, 8, gridSeparator, "separator between rows"},
		{2, 2, black, "tile 0 first pixel"},
		{7, 7, black, "tile 0 last pixel"},
		{10, 2, white, "tile 1 first pixel"},
		{2, 10, color.RGBA{128, 128, 128, 255}, "0 ↦ 128"},
		{4, 12, color.RGBA{128, 128, 128, 255}, "0 ↦ 128, magnified 3×"},
		{5, 10, black, "−2 clipped"},
		{2, 13, white, "2 clipped"},
		{7, 15, gridNaN, "NaN"},
		{12, 12, gridSeparator, "the empty fourth tile"},
	} {
		if got := img.RGBAAt(c.x, c.y); got != c.want {
			t.Errorf("(%d,%d) %s: %v, want %v", c.x, c.y, c.what, got, c.want)
		}
	}
}

func TestWriteGridChannels(t *testing.T) {
	dir := t.TempDir()
	rgb := []float32{1, -1, 0} // [1, 3, 1, 1]: red full, green none, blue half
	if err := WriteGrid(filepath.Join(dir, "rgb.png"), rgb, 1, 3, 1, 1, 8, 1); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, filepath.Join(dir, "rgb.png"))
	if b := img.Bounds(); b.Dx() != 5 || b.Dy() != 5 { // cols shrinks to n = 1
		t.Fatalf("grid is %d×%d, want 5×5", b.Dx(), b.Dy())
	}
	if got, want := img.RGBAAt(2, 2), (color.RGBA{255, 0, 128, 255}); got != want {
		t.Errorf("RGB pixel %v, want %v", got, want)
	}
	two := []float32{1, -1} // [1, 2, 1, 1]: channel 0 as gray
	if err := WriteGrid(filepath.Join(dir, "two.png"), two, 1, 2, 1, 1, 1, 1); err != nil {
		t.Fatal(err)
	}
	if got, want := readPNG(t, filepath.Join(dir, "two.png")).RGBAAt(2, 2), (color.RGBA{255, 255, 255, 255}); got != want {
		t.Errorf("2-channel pixel %v, want channel 0 as gray %v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %d files, want the 2 grids and no temporary files", len(entries))
	}
}

func TestWriteLossPlot(t *testing.T) {
	dir := t.TempDir()
	var steps []int
	var decaying, signed []float64
	for i := range 500 {
		steps = append(steps, 10*i)
		decaying = append(decaying, 2*math.Exp(-float64(i)/100)*(1+0.3*math.Sin(float64(i))))
		signed = append(signed, math.Sin(float64(i)/50)+0.3*math.Sin(1.7*float64(i)))
	}
	decaying[7] = math.NaN() // left out

	// A diverged run: a range wider than float64 must not hang the drawing.
	huge := []float64{-math.MaxFloat64, math.MaxFloat64, math.Inf(1), 0}
	for name, values := range map[string][]float64{"log": decaying, "linear": signed, "empty": nil, "huge": huge} {
		path := filepath.Join(dir, name+".png")
		s := steps[:len(values)]
		if err := WriteLossPlot(path, s, values, "training loss"); err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, path)
		if b := img.Bounds(); b.Dx() != plotW || b.Dy() != plotH {
			t.Fatalf("%s: plot is %d×%d, want %d×%d", name, b.Dx(), b.Dy(), plotW, plotH)
		}
		if got := img.RGBAAt(plotW-1, 0); got != plotWhite {
			t.Errorf("%s: corner %v, want white", name, got)
		}
		count := map[color.RGBA]int{}
		for y := range plotH {
			for x := range plotW {
				count[img.RGBAAt(x, y)]++
			}
		}
		if count[plotAxis] == 0 {
			t.Errorf("%s: no axes drawn", name)
		}
		if (name == "log" || name == "linear") && (count[plotRaw] < 100 || count[plotMean] < 200) {
			t.Errorf("%s: %d raw-curve and %d average pixels, want a visible curve of each", name, count[plotRaw], count[plotMean])
		}
	}
}

func TestDrawText(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	drawText(img, 0, 0, "A1", plotAxis)
	// A = 0o25755 has 10 lit cells, 1 = 0o26227 has 8, each fontScale² pixels.
	lit := 0
	for y := range 20 {
		for x := range 40 {
			if img.RGBAAt(x, y) == plotAxis {
				lit++
			}
		}
	}
	if want := 18 * fontScale * fontScale; lit != want {
		t.Errorf("\"A1\" lights %d pixels, want %d", lit, want)
	}
	// Everything strconv writes for a float or an int has a glyph.
	for _, r := range "0123456789.-+e" {
		if _, ok := font3x5[unicode.ToUpper(r)]; !ok {
			t.Errorf("no glyph for %q", r)
		}
	}
}

func TestWritePNGErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "out.png")
	for _, err := range []error{
		WriteGrid(path, []float32{0}, 1, 1, 1, 1, 1, 1),
		WriteLossPlot(path, []int{1}, []float64{1}, "x"),
	} {
		if err == nil || !strings.Contains(err.Error(), path) || !strings.HasPrefix(err.Error(), "cannot write ") {
			t.Errorf("error %v, want one that says \"cannot write\" and names %s", err, path)
		}
	}
}
