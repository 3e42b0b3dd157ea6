package data

import (
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // registers the JPEG decoder with image.Decode
	_ "image/png"  // registers the PNG decoder with image.Decode
	"os"
	"path/filepath"
	"strings"
)

// An image folder is the user's own labelled data, one sub-folder per class:
//
//	dir/
//	  cat/   001.png  002.jpg  …
//	  dog/   a.jpeg   b.png    …
//
// Classes are the sub-folders sorted by name (labels 0, 1, … in that order).
// Files whose extension is not .png, .jpg or .jpeg are skipped, as are
// sub-sub-folders and folders whose name starts with a dot. Each image is
// scaled so that its shorter side is size, then centre-cropped to size×size.

// LoadImageFolder reads every PNG and JPEG under dir's class folders into a
// dataset of [N, channels, size, size] pixels in [−1, 1]. channels is 1
// (luma, 0.299R + 0.587G + 0.114B) or 3 (RGB). Transparent pixels are
// composited onto black.
func LoadImageFolder(dir string, size, channels int) (*Dataset, error) {
	if size < 1 {
		return nil, fmt.Errorf("image size %d: must be at least 1 pixel", size)
	}
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("%d channels: an image folder is read as 1 (grayscale) or 3 (RGB) channels", channels)
	}
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("cannot read image folder %s: %w; -data must name a folder with one sub-folder of images per class", dir, err)
	}
	d := &Dataset{C: channels, H: size, W: size, Source: dir}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		class := filepath.Join(dir, e.Name())
		files, err := os.ReadDir(class)
		if err != nil {
			return nil, fmt.Errorf("cannot read class folder %s: %w", class, err)
		}
		label := int32(len(d.Names))
		count := 0
		for _, f := range files {
			if f.IsDir() || !isImageFile(f.Name()) {
				continue
			}
			path := filepath.Join(class, f.Name())
			pixels, err := loadImageFile(path, size, channels)
			if err != nil {
				return nil, err
			}
			d.Images = append(d.Images, pixels...)
			d.Labels = append(d.Labels, label)
			count++
		}
		if count == 0 {
			return nil, fmt.Errorf("class folder %s has no .png, .jpg or .jpeg images; add some or remove the folder", class)
		}
		d.Names = append(d.Names, e.Name())
	}
	if len(d.Names) == 0 {
		return nil, fmt.Errorf("image folder %s has no class sub-folders; put each class's images in its own folder, %s/<class>/<image>.png", dir, dir)
	}
	d.N, d.Classes = len(d.Labels), len(d.Names)
	return d, d.check()
}

// isImageFile reports whether name has an extension this loader reads.
func isImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// loadImageFile decodes one file and returns its pixels, [channels, size, size]
// in [−1, 1].
func loadImageFile(path string, size, channels int) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open image %s: %w", path, err)
	}
	defer f.Close()
	src, format, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("cannot decode image %s: %w; replace or remove the file", path, err)
	}
	b := src.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 {
		return nil, fmt.Errorf("image %s is an empty %s (%d×%d); replace or remove the file", path, format, b.Dx(), b.Dy())
	}

	// Any decoded type (paletted, gray, YCbCr, 16-bit…) → 8-bit RGBA,
	// alpha-premultiplied, which is the same as drawing over black.
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)

	planes := toPlanes(rgba, channels) // [channels, h, w], 0..255
	out := make([]float32, 0, channels*size*size)
	for _, p := range planes {
		for _, v := range resizeCrop(p, b.Dx(), b.Dy(), size) {
			out = append(out, float32(v/127.5-1)) // 0 ↦ −1, 255 ↦ 1
		}
	}
	return out, nil
}

// toPlanes splits an RGBA image into channels planes of h·w values in
// 0..255: R, G, B for 3 channels, luma (ITU-R BT.601 weights) for 1.
func toPlanes(img *image.RGBA, channels int) [][]float64 {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	planes := make([][]float64, channels)
	for c := range planes {
		planes[c] = make([]float64, w*h)
	}
	for y := range h {
		for x := range w {
			p := img.Pix[y*img.Stride+4*x:] // R, G, B, A
			r, g, b := float64(p[0]), float64(p[1]), float64(p[2])
			if channels == 1 {
				planes[0][y*w+x] = 0.299*r + 0.587*g + 0.114*b
			} else {
				planes[0][y*w+x], planes[1][y*w+x], planes[2][y*w+x] = r, g, b
			}
		}
	}
	return planes
}
