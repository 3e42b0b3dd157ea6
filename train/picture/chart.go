package picture

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Charts are drawn by gonum.org/v1/plot: axes with ticks and labels, a
// legend, and linear or logarithmic scales. A Chart says what to draw; its
// WritePNG builds the gonum plot and writes it.

// dpi is the resolution charts are drawn at: gonum sizes text and lines in
// points (1/72 inch), so at 96 dots per inch a 12-point label is 16 pixels
// tall.
const dpi = 96

// margin is the white space around a chart, in points.
const margin = 8

// Chart is a plot of named series of (x, y) points: a training loss against
// steps, or a scaling study's measured points and fitted lines on log-log
// axes.
type Chart struct {
	Title          string
	XLabel, YLabel string
	LogX, LogY     bool // logarithmic axes; every value on them must be positive
	Series         []Series
	// Kind is the PNG's mark (see Made); "" is "chart".
	Kind string
}

// Series is one named set of points, drawn as a line through them or as
// marks at them.
type Series struct {
	Name   string // its legend entry; "" leaves it out of the legend
	X, Y   []float64
	Points bool        // marks at the points instead of a line
	Dashed bool        // a dashed line: a fit, beside the points it fits
	Width  vg.Length   // line width (or mark radius) in points; 0 means 1
	Color  color.Color // nil: the next colour of plotutil's palette
}

// WritePNG draws the chart on a white width×height-pixel image and writes
// it to path as a PNG, atomically. Points with a NaN or infinite coordinate
// are left out (a diverged run still gets its chart); a value that is not
// positive on a logarithmic axis is an error.
func (c Chart) WritePNG(path string, width, height int) error {
	p, err := c.plot()
	if err != nil {
		return fmt.Errorf("cannot draw chart %s: %w", path, err)
	}
	canvas := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, width, height))), vgimg.UseDPI(dpi))
	// A margin, since gonum centres the last x tick's label on the
	// plot's right edge and would cut it in half.
	p.Draw(draw.Crop(draw.New(canvas), margin, -margin, margin, -margin))
	kind := c.Kind
	if kind == "" {
		kind = "chart"
	}
	return writePNG(path, canvas.Image(), kind)
}

// plot turns the chart into a gonum plot.
func (c Chart) plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text, p.Y.Label.Text = c.XLabel, c.YLabel
	for _, s := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		s.Font.Variant = "Sans" // of gonum's Liberation fonts; Serif is its default
	}
	p.Title.TextStyle.Font.Size = 14
	p.Legend.Top = true // curves that fall, as losses do, leave the top right free
	p.Add(plotter.NewGrid())

	points, colour := 0, 0
	for _, s := range c.Series {
		xys, err := c.points(s)
		if err != nil {
			return nil, err
		}
		if len(xys) == 0 {
			continue
		}
		points += len(xys)
		col := s.Color
		if col == nil {
			col = plotutil.Color(colour)
			colour++
		}
		width := s.Width
		if width == 0 {
			width = 1
		}
		var drawn plot.Thumbnailer
		if s.Points {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: 2 * width, Shape: draw.CircleGlyph{}}
			p.Add(sc)
			drawn = sc
		} else {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			l.LineStyle = draw.LineStyle{Color: col, Width: width}
			if s.Dashed {
				l.LineStyle.Dashes = []vg.Length{4 * width, 2 * width}
			}
			p.Add(l)
			drawn = l
		}
		if s.Name != "" {
			p.Legend.Add(s.Name, drawn)
		}
	}

	// Logarithmic axes, when there is something to put on them (an empty
	// axis spans [−1, 1]); a logarithmic axis widens to the labelled ticks
	// just outside the data.
	for _, a := range []struct {
		axis *plot.Axis
		log  bool
	}{{&p.X, c.LogX}, {&p.Y, c.LogY}} {
		a.axis.Tick.Marker = plot.TickerFunc(linearTicks)
		if a.log && points > 0 {
			a.axis.Scale, a.axis.Tick.Marker, a.axis.AutoRescale = plot.LogScale{}, plot.TickerFunc(logTicks), true
			if a.axis.Min == a.axis.Max { // one value (a flat loss): gonum would widen it by ±1, below 0
				a.axis.Min, a.axis.Max = a.axis.Min/2, a.axis.Max*2
			}
		}
	}
	return p, nil
}

// points returns the points of s that the chart can show: NaN and ±Inf are
// left out; a value that is not positive on a logarithmic axis, or a range
// that overflows float64, is an error.
func (c Chart) points(s Series) (plotter.XYs, error) {
	if len(s.X) != len(s.Y) {
		panic(fmt.Sprintf("Chart.WritePNG: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y)))
	}
	xys := make(plotter.XYs, 0, len(s.X))
	for i, x := range s.X {
		y := s.Y[i]
		if !finite(x) || !finite(y) {
			continue
		}
		if (c.LogX && x <= 0) || (c.LogY && y <= 0) {
			return nil, fmt.Errorf("series %q: the point (%g, %g) cannot be shown on a logarithmic axis; use a linear one", s.Name, x, y)
		}
		xys = append(xys, plotter.XY{X: x, Y: y})
	}
	if len(xys) > 0 {
		// No axis can be divided into ticks across more than a float64
		// holds (from −1e308 to 1e308, say).
		xmin, xmax, ymin, ymax := plotter.XYRange(xys)
		if !finite(xmax-xmin) || !finite(ymax-ymin) {
			return nil, fmt.Errorf("series %q: the values span [%g, %g] × [%g, %g], wider than a float64 can hold", s.Name, xmin, xmax, ymin, ymax)
		}
	}
	return xys, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// logTicks is the ticker of a logarithmic axis. It labels 1, 2 and 5 ×
// 10^k — only the powers of ten when the range spans more than two decades,
// so that labels do not crowd — and marks every other m·10^k (m = 1…9)
// between them, from the last labelled value at or below min to the first
// at or above max (the axis widens to those two).
func logTicks(min, max float64) []plot.Tick {
	if !(min > 0 && min <= max && finite(max)) {
		panic(fmt.Sprintf("logTicks: range [%g, %g] on a logarithmic axis", min, max))
	}
	labelled := []int{1, 2, 5}
	if max/min > 100 {
		labelled = []int{1}
	}
	var ticks []plot.Tick
	first := 0 // the last labelled tick at or below min
	for e := int(math.Floor(math.Log10(min))); ; e++ {
		for m := 1; m <= 9; m++ {
			v := decimal(m, e)
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = label(v)
				if v <= min {
					first = len(ticks)
				}
			}
			ticks = append(ticks, t)
			if t.Label != "" && v >= max {
				return ticks[first:]
			}
		}
	}
}

// linearTicks is the ticker of a linear axis. It labels the multiples of
// the first step of 1, 2 or 5 × 10^k that is at least a sixth of the range
// (3 to 6 labels), and marks the halves between them.
func linearTicks(min, max float64) []plot.Tick {
	e := int(math.Floor(math.Log10((max - min) / 6)))
	m := 1 // the step is m·10^e
	for _, next := range []int{1, 2, 5, 10} {
		if m = next; decimal(m, e) >= (max-min)/6 {
			break
		}
	}
	var ticks []plot.Tick
	for k := 2 * int(math.Ceil(min/decimal(m, e))); ; k++ { // k halves of the step
		v := decimal(k*m, e) / 2
		if v > max {
			return ticks
		}
		t := plot.Tick{Value: v}
		if k%2 == 0 {
			t.Label = label(v)
		}
		ticks = append(ticks, t)
	}
}

// label spells a tick's value in the fewest digits, with a short exponent
// where one is needed: 0.02, 5000, 1e6, 2.5e-7.
func label(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	return mant + "e" + sign + strings.TrimLeft(exp[1:], "0")
}

// decimal is m·10^e, read from its decimal spelling: 3e-2 is then the
// float64 nearest 0.03, not the rounded product 3·10^−2.
func decimal(m, e int) float64 {
	v, _ := strconv.ParseFloat(fmt.Sprintf("%de%d", m, e), 64)
	return v
}

// Charts are charts drawn side by side in one PNG, each on an equal share
// of its width.
type Charts []Chart

// WritePNG draws the charts side by side on a white width×height-pixel
// image and writes it to path as a PNG, atomically, as Chart.WritePNG does
// for one. The mark is the first chart's Kind.
func (cs Charts) WritePNG(path string, width, height int) error {
	if len(cs) == 0 {
		panic("Charts.WritePNG: no charts")
	}
	canvas := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, width, height))), vgimg.UseDPI(dpi))
	tiles := draw.Tiles{Rows: 1, Cols: len(cs), PadX: margin, PadTop: margin, PadBottom: margin, PadLeft: margin, PadRight: margin}
	dc := draw.New(canvas)
	for i, c := range cs {
		p, err := c.plot()
		if err != nil {
			return fmt.Errorf("cannot draw chart %s: %w", path, err)
		}
		p.Draw(tiles.At(dc, i, 0))
	}
	kind := cs[0].Kind
	if kind == "" {
		kind = "chart"
	}
	return writePNG(path, canvas.Image(), kind)
}

// Palette is the i-th colour of the charts' palette, the one a series
// without a Color takes in turn: for series that must match across charts.
func Palette(i int) color.Color { return plotutil.Color(i) }
