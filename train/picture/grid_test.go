package picture

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
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
	images := []float32{ // [3, "grid", 1, 2, 2]
		-1, -1, -1, -1, // black
		1, 1, 1, 1, // white
		0, -2, 2, nan, // mid gray, clipped black, clipped white, NaN
	}
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := WriteGrid(path, "grid", images, 3, 1, 2, 2, 2, 3); err != nil {
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
	if err := WriteGrid(filepath.Join(dir, "rgb.png"), "grid", rgb, 1, 3, 1, 1, 8, 1); err != nil {
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
	if err := WriteGrid(filepath.Join(dir, "two.png"), "grid", two, 1, 2, 1, 1, 1, 1); err != nil {
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
