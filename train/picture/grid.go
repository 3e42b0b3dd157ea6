package picture

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
)

// A sample grid shows images pixel for pixel: each value becomes one
// opaque colour, magnified into a square block, with a separator around
// every tile. It is drawn with the standard library alone, so that the
// bytes of a grid depend only on the samples.

const gridGap = 2 // pixels of separator around and between the tiles

var (
	gridSeparator = color.RGBA{0x40, 0x50, 0x60, 0xff} // slate: unlike any gray a sample can take
	gridNaN       = color.RGBA{0xff, 0x00, 0xff, 0xff} // magenta marks a NaN pixel, a diverged model
)

// WriteGrid writes n images, [n, c, h, w] with values in [−1, 1], as a PNG
// grid of cols columns (fewer if n < cols), each pixel magnified scale×. A
// value maps to round((v+1)·127.5), clipped to 0..255. c=3 is RGB; any other
// c is shown as gray from channel 0.
//
// The grid is (cols·w·scale + (cols+1)·gridGap) pixels wide, and as tall for
// its rows; tile (row, col) starts at gridGap + col·(w·scale + gridGap) across.
// what names the picture in errors, as the caller knows it ("sample grid",
// "trajectory strip").
func WriteGrid(path, what string, images []float32, n, c, h, w, cols int, scale int) error {
	if n < 1 || c < 1 || h < 1 || w < 1 || cols < 1 || scale < 1 || len(images) != n*c*h*w {
		panic(fmt.Sprintf("WriteGrid: %d values for %d images of %d×%d×%d in %d columns at scale %d", len(images), n, c, h, w, cols, scale))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	tw, th := w*scale+gridGap, h*scale+gridGap // a tile and the separator after it
	img := image.NewRGBA(image.Rect(0, 0, cols*tw+gridGap, rows*th+gridGap))
	draw.Draw(img, img.Bounds(), image.NewUniform(gridSeparator), image.Point{}, draw.Src)

	plane := h * w
	for i := range n {
		src := images[i*c*plane : (i+1)*c*plane] // [c, h, w]
		x0, y0 := gridGap+(i%cols)*tw, gridGap+(i/cols)*th
		for y := range h {
			for x := range w {
				var px color.RGBA
				if c == 3 {
					px = gridColor(src[y*w+x], src[plane+y*w+x], src[2*plane+y*w+x])
				} else {
					v := src[y*w+x]
					px = gridColor(v, v, v)
				}
				block := image.Rect(x0+x*scale, y0+y*scale, x0+(x+1)*scale, y0+(y+1)*scale)
				draw.Draw(img, block, image.NewUniform(px), image.Point{}, draw.Src)
			}
		}
	}
	return writePNG(path, img, what)
}

// gridColor maps values in [−1, 1] to an opaque colour; NaN in any channel
// shows as gridNaN.
func gridColor(r, g, b float32) color.RGBA {
	if r != r || g != g || b != b {
		return gridNaN
	}
	return color.RGBA{gridByte(r), gridByte(g), gridByte(b), 0xff}
}

// gridByte maps [−1, 1] to 0..255 (−1 ↦ 0, 0 ↦ 128, 1 ↦ 255), clipping outside.
func gridByte(v float32) uint8 {
	return uint8(math.Round((float64(max(-1, min(1, v))) + 1) * 127.5))
}
