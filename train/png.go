package main

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"unicode"
)

// Pictures the trainer writes: grids of samples and the loss curve, as PNG,
// drawn by hand with the standard library.

// ---------------------------------------------------------------------------
// Sample grids

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
func WriteGrid(path string, images []float32, n, c, h, w, cols int, scale int) error {
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
	return writePNG(path, img, "sample grid")
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

// ---------------------------------------------------------------------------
// Loss plot

const (
	plotW, plotH = 640, 360
	// Margins around the axes' box: room for the title above and the
	// labels to the left and below.
	plotLeft, plotRight, plotTop, plotBottom = 84, 16, 28, 28
	fontScale                                = 2 // the 3×5 font drawn at 6×10 pixels
)

var (
	plotAxis  = color.RGBA{0x20, 0x20, 0x20, 0xff}
	plotGrid  = color.RGBA{0xec, 0xec, 0xec, 0xff}
	plotRaw   = color.RGBA{0xc8, 0xc8, 0xc8, 0xff} // every value: light grey
	plotMean  = color.RGBA{0x10, 0x28, 0x90, 0xff} // moving average: dark blue
	plotWhite = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// WriteLossPlot writes a 640×360 line chart of values against steps: the raw
// values in light grey, their moving average (a centred window of 1/50 of the
// points) in dark blue. The y axis is logarithmic when every finite value is
// positive, linear otherwise; NaN and ±Inf are left out. The ends of both
// axes are labelled.
func WriteLossPlot(path string, steps []int, values []float64, title string) error {
	if len(steps) != len(values) {
		panic(fmt.Sprintf("WriteLossPlot: %d steps for %d values", len(steps), len(values)))
	}
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	draw.Draw(img, img.Bounds(), image.NewUniform(plotWhite), image.Point{}, draw.Src)
	box := image.Rect(plotLeft, plotTop, plotW-plotRight, plotH-plotBottom) // the axes' inside
	drawText(img, (plotW-textWidth(title))/2, (plotTop-5*fontScale)/2, title, plotAxis)

	// The points that can be drawn, and whether the scale is logarithmic.
	var xs []int
	var ys []float64
	logScale := true
	for i, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			xs, ys = append(xs, steps[i]), append(ys, v)
			logScale = logScale && v > 0
		}
	}
	f := func(v float64) float64 { return v }
	inv := f
	if logScale {
		f, inv = math.Log10, func(v float64) float64 { return math.Pow(10, v) }
	}

	if len(xs) > 0 {
		xmin, xmax := xs[0], xs[0]
		ymin, ymax := f(ys[0]), f(ys[0])
		for i := range xs {
			xmin, xmax = min(xmin, xs[i]), max(xmax, xs[i])
			ymin, ymax = min(ymin, f(ys[i])), max(ymax, f(ys[i]))
		}
		if ymax == ymin { // a flat line: give it room above and below
			ymin, ymax = ymin-0.5, ymax+0.5
		}
		px := func(step int) int {
			if xmax == xmin {
				return (box.Min.X + box.Max.X) / 2
			}
			return box.Min.X + int(math.Round(float64(step-xmin)/float64(xmax-xmin)*float64(box.Dx()-1)))
		}
		py := func(v float64) int { // clamped: a range too wide for float64 must not send a line off the image
			y := box.Max.Y - 1 - int(math.Round((f(v)-ymin)/(ymax-ymin)*float64(box.Dy()-1)))
			return max(box.Min.Y, min(box.Max.Y-1, y))
		}

		// Grid lines and y ticks: each power of ten on a log scale, else
		// quarters; x ticks at quarters.
		var yticks []float64
		if logScale {
			for e := math.Ceil(ymin); e <= ymax; e++ {
				yticks = append(yticks, math.Pow(10, e))
			}
		} else {
			for k := range 5 {
				yticks = append(yticks, ymin+float64(k)*(ymax-ymin)/4)
			}
		}
		for _, t := range yticks {
			y := py(t)
			drawLine(img, box.Min.X, y, box.Max.X-1, y, plotGrid)
			drawLine(img, box.Min.X-4, y, box.Min.X-1, y, plotAxis)
		}
		for k := range 5 {
			x := box.Min.X + k*(box.Dx()-1)/4
			drawLine(img, x, box.Max.Y, x, box.Max.Y+3, plotAxis)
		}

		// The raw curve, then the moving average over it, 2 pixels thick.
		for i := 1; i < len(xs); i++ {
			drawLine(img, px(xs[i-1]), py(ys[i-1]), px(xs[i]), py(ys[i]), plotRaw)
		}
		mean := movingAverage(ys, max(1, len(ys)/50))
		for i := range xs {
			x0, y0 := px(xs[max(0, i-1)]), py(mean[max(0, i-1)])
			x1, y1 := px(xs[i]), py(mean[i])
			drawLine(img, x0, y0, x1, y1, plotMean)
			drawLine(img, x0, y0+1, x1, y1+1, plotMean)
		}

		// Labels at the ends of both axes.
		label := func(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
		top, bottom := label(inv(ymax)), label(inv(ymin))
		drawText(img, box.Min.X-8-textWidth(top), box.Min.Y, top, plotAxis)
		drawText(img, box.Min.X-8-textWidth(bottom), box.Max.Y-5*fontScale, bottom, plotAxis)
		first, last := strconv.Itoa(xmin), strconv.Itoa(xmax)
		drawText(img, box.Min.X, box.Max.Y+8, first, plotAxis)
		drawText(img, box.Max.X-textWidth(last), box.Max.Y+8, last, plotAxis)
		if logScale { // powers of ten are round numbers: label those clear of the ends
			for _, t := range yticks {
				if y := py(t); y-box.Min.Y > 15 && box.Max.Y-y > 15 {
					s := label(t)
					drawText(img, box.Min.X-8-textWidth(s), y-5*fontScale/2, s, plotAxis)
				}
			}
			drawText(img, 4, box.Max.Y+8, "LOG Y", plotAxis)
		}
	}

	// The axes last, over the curves.
	drawLine(img, box.Min.X-1, box.Min.Y, box.Min.X-1, box.Max.Y, plotAxis)
	drawLine(img, box.Min.X-1, box.Max.Y, box.Max.X-1, box.Max.Y, plotAxis)
	return writePNG(path, img, "loss plot")
}

// movingAverage returns the mean of the values within window/2 of each point
// (fewer at the ends), [len(v)], through prefix sums.
func movingAverage(v []float64, window int) []float64 {
	sum := make([]float64, len(v)+1) // sum[i] = v[0] + … + v[i−1]
	for i, x := range v {
		sum[i+1] = sum[i] + x
	}
	out := make([]float64, len(v))
	for i := range v {
		lo, hi := max(0, i-window/2), min(len(v), i+window/2+1)
		out[i] = (sum[hi] - sum[lo]) / float64(hi-lo)
	}
	return out
}

// drawLine draws the segment from (x0, y0) to (x1, y1) one pixel wide
// (Bresenham's algorithm: step along the longer axis, carrying the error of
// the shorter one).
func drawLine(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, sx := x1-x0, 1
	if dx < 0 {
		dx, sx = -dx, -1
	}
	dy, sy := y0-y1, 1 // −|y1 − y0|
	if dy > 0 {
		dy, sy = -dy, -1
	}
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e // both tests see the error from before this step
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

// ---------------------------------------------------------------------------
// A 3×5 pixel font

// font3x5 holds one glyph per character, one octal digit per row from the
// top: the digit's bits 4, 2, 1 are the left, middle and right pixels. For
// example A = 0o25755 is
//
//	.#.   2
//	#.#   5
//	###   7
//	#.#   5
//	#.#   5
//
// Lower-case letters are drawn as capitals; '?' stands for what is missing.
var font3x5 = map[rune]uint16{
	'0': 0o75557, '1': 0o26227, '2': 0o71747, '3': 0o71717, '4': 0o55711,
	'5': 0o74717, '6': 0o74757, '7': 0o71111, '8': 0o75757, '9': 0o75717,
	'A': 0o25755, 'B': 0o65656, 'C': 0o34443, 'D': 0o65556, 'E': 0o74647,
	'F': 0o74644, 'G': 0o34553, 'H': 0o55755, 'I': 0o72227, 'J': 0o11152,
	'K': 0o55655, 'L': 0o44447, 'M': 0o57755, 'N': 0o65555, 'O': 0o25552,
	'P': 0o65644, 'Q': 0o25563, 'R': 0o65655, 'S': 0o34216, 'T': 0o72222,
	'U': 0o55557, 'V': 0o55552, 'W': 0o55775, 'X': 0o55255, 'Y': 0o55222,
	'Z': 0o71247, ' ': 0, '.': 0o00002, ',': 0o00024, '-': 0o00700,
	'+': 0o02720, ':': 0o02020, '=': 0o07070, '/': 0o11244, '(': 0o24442,
	')': 0o21112, '_': 0o00007, '?': 0o71202,
}

// textWidth is the width of s in pixels: 4 columns per character (3 and a
// space), at fontScale, without the last space.
func textWidth(s string) int {
	n := len([]rune(s))
	if n == 0 {
		return 0
	}
	return (4*n - 1) * fontScale
}

// drawText draws s with its top-left corner at (x, y).
func drawText(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, r := range s {
		glyph, ok := font3x5[unicode.ToUpper(r)]
		if !ok {
			glyph = font3x5['?']
		}
		for row := range 5 {
			bits := glyph >> (3 * (4 - row)) & 7 // row 0 is the top octal digit
			for col := range 3 {
				if bits&(4>>col) != 0 {
					px := image.Rect(x+col*fontScale, y+row*fontScale, x+(col+1)*fontScale, y+(row+1)*fontScale)
					draw.Draw(img, px, image.NewUniform(c), image.Point{}, draw.Src)
				}
			}
		}
		x += 4 * fontScale
	}
}

// ---------------------------------------------------------------------------
// Writing

// writePNG encodes img to path atomically: into a temporary file in the same
// folder, then renamed over path, so a viewer never sees half a picture.
// what names the picture in errors ("sample grid").
func writePNG(path string, img image.Image, what string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("cannot write %s %s: %w", what, path, err)
		}
	}()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	if err = png.Encode(w, img); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil { // CreateTemp makes it private (0600)
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
