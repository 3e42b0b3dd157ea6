package picture

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// A grid and a loss chart are Made, each as what it is; a PNG written by image/png alone, a
// PNG whose Software is another program, a text file, an empty file and a
// PNG cut off before its mark are not; a missing file is an error that
// says so.
func TestMade(t *testing.T) {
	dir := t.TempDir()
	grid, chart := filepath.Join(dir, "grid.png"), filepath.Join(dir, "loss.png")
	if err := WriteGrid(grid, "grid", []float32{-1, 0, 1, 0.5}, 1, 1, 2, 2, 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := WriteLoss(chart, []int{1, 2, 3}, []float64{1, 0.5, 0.25}); err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	if err := png.Encode(&plain, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	other := plain.Bytes()[:33:33] // signature and IHDR
	other = append(other, chunk("tEXt", "Software\x00GIMP")...)
	other = append(other, plain.Bytes()[33:]...)
	marked, _ := os.ReadFile(grid)
	files := map[string][]byte{
		"plain.png": plain.Bytes(),
		"gimp.png":  other,
		"notes.txt": []byte("not a picture\n"),
		"empty.png": nil,
		"cut.png":   marked[:40], // inside the mark's chunk
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, what string
		want       bool
	}{
		{"grid.png", "grid", true}, {"loss.png", "chart", true}, {"grid.png", "chart", false}, {"loss.png", "grid", false},
		{"plain.png", "grid", false}, {"gimp.png", "grid", false}, {"notes.txt", "grid", false}, {"empty.png", "grid", false}, {"cut.png", "grid", false},
	} {
		if got, err := Made(filepath.Join(dir, c.name), c.what); got != c.want || err != nil {
			t.Errorf("Made(%s, %q) = %v, %v; want %v, nil", c.name, c.what, got, err, c.want)
		}
	}
	if got, err := Made(filepath.Join(dir, "missing.png"), "grid"); got || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Made of a missing file = %v, %v; want false and an error wrapping fs.ErrNotExist", got, err)
	}
}

// The mark is one tEXt chunk right after IHDR and changes nothing else: the
// marked file is image/png's bytes with the chunk inserted, and it decodes,
// checksums included, to the same pixels.
func TestMarkKeepsThePicture(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 5, 3)) // any colours, some of them translucent
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	path := filepath.Join(t.TempDir(), "marked.png")
	if err := writePNG(path, img, "test picture"); err != nil {
		t.Fatal(err)
	}
	marked, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	if err := png.Encode(&plain, img); err != nil {
		t.Fatal(err)
	}
	mark := chunk("tEXt", markData("test picture"))
	const ihdrEnd = 8 + 12 + 13 // signature, IHDR's length, type and CRC, its 13 bytes of data
	if !bytes.Equal(marked[:ihdrEnd], plain.Bytes()[:ihdrEnd]) || !bytes.Equal(marked[ihdrEnd:ihdrEnd+len(mark)], mark) ||
		!bytes.Equal(marked[ihdrEnd+len(mark):], plain.Bytes()[ihdrEnd:]) {
		t.Errorf("the marked file is not image/png's bytes with %q inserted after IHDR", mark)
	}
	got, err := png.Decode(bytes.NewReader(marked))
	if err != nil {
		t.Fatalf("the marked PNG does not decode: %v", err)
	}
	for y := range 3 {
		for x := range 5 {
			if g, w := color.NRGBAModel.Convert(got.At(x, y)), color.NRGBAModel.Convert(img.At(x, y)); g != w {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, g, w)
			}
		}
	}
}
