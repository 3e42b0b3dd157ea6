package picture

import (
	"fmt"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A scaling study's chart: two families of models, each a few measured
// points and the power law fitted to them, on log-log axes.
func ExampleChart() {
	dir, _ := os.MkdirTemp("", "chart")
	defer os.RemoveAll(dir)
	flops := []float64{1e9, 4e9, 1.6e10, 6.4e10}
	law := func(a, b float64) []float64 { // loss = a · FLOPs^−b
		var out []float64
		for _, f := range flops {
			out = append(out, a*math.Pow(f, -b))
		}
		return out
	}
	blue, red := color.RGBA{0x10, 0x28, 0x90, 0xff}, color.RGBA{0xc0, 0x20, 0x20, 0xff}
	c := Chart{
		Title: "loss against compute", XLabel: "training GFLOP", YLabel: "final loss",
		LogX: true, LogY: true,
		Series: []Series{
			{Name: "DiT", X: flops, Y: []float64{0.061, 0.049, 0.040, 0.033}, Points: true, Color: blue},
			{Name: "DiT fit", X: flops, Y: law(1.0, 0.13), Dashed: true, Color: blue},
			{Name: "U-Net", X: flops, Y: []float64{0.070, 0.058, 0.049, 0.041}, Points: true, Color: red},
			{Name: "U-Net fit", X: flops, Y: law(1.0, 0.125), Dashed: true, Color: red},
		},
	}
	path := filepath.Join(dir, "scaling.png")
	if err := c.WritePNG(path, 640, 480); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := os.Open(path)
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	fmt.Println(cfg.Width, cfg.Height, err)
	// Output: 640 480 <nil>
}

func TestLabel(t *testing.T) {
	for v, want := range map[float64]string{0.02: "0.02", 5000: "5000", 1e6: "1e6", 2.5e-7: "2.5e-7", 1e21: "1e21", -3e-10: "-3e-10"} {
		if got := label(v); got != want {
			t.Errorf("label(%g) = %q, want %q", v, got, want)
		}
	}
}

func TestLinearTicks(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		labels   []string
	}{
		{10, 24000, []string{"5000", "10000", "15000", "20000"}},
		{10, 300, []string{"50", "100", "150", "200", "250", "300"}},
		{-1, 1, []string{"-1", "-0.5", "0", "0.5", "1"}},
		{0.031, 0.048, []string{"0.035", "0.04", "0.045"}},
	} {
		var labels []string
		for _, tk := range linearTicks(c.min, c.max) {
			if tk.Value < c.min || tk.Value > c.max {
				t.Errorf("[%g, %g]: tick %g outside", c.min, c.max, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, c.labels) {
			t.Errorf("[%g, %g]: labels %q, want %q", c.min, c.max, labels, c.labels)
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		labels   []string
	}{
		{0.031, 0.048, []string{"0.02", "0.05"}},                             // inside one step: the labelled ticks around it
		{0.03, 1.2, []string{"0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"}}, // two decades: 1, 2, 5
		{0.002, 3, []string{"0.001", "0.01", "0.1", "1", "10"}},              // more: powers of ten
		{1, 1e6, []string{"1", "10", "100", "1000", "10000", "100000", "1e6"}},
		{5, 5, []string{"5"}},
	} {
		var labels []string
		ticks := logTicks(c.min, c.max)
		for i, tk := range ticks {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
			if i > 0 && tk.Value <= ticks[i-1].Value {
				t.Errorf("[%g, %g]: tick %g after %g", c.min, c.max, tk.Value, ticks[i-1].Value)
			}
		}
		if !slices.Equal(labels, c.labels) {
			t.Errorf("[%g, %g]: labels %q, want %q", c.min, c.max, labels, c.labels)
		}
		if first, last := ticks[0], ticks[len(ticks)-1]; first.Value > c.min || last.Value < c.max || first.Label == "" || last.Label == "" {
			t.Errorf("[%g, %g]: ticks run from %v to %v, want labelled ones around the range", c.min, c.max, first, last)
		}
	}
}

// Data that a chart cannot show is an error that names the series, never a
// panic inside gonum.
func TestChartErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		chart Chart
		says  string
	}{
		{"zero on a log axis", Chart{LogY: true, Series: []Series{{Name: "loss", X: []float64{1, 2}, Y: []float64{1, 0}}}}, "logarithmic"},
		{"negative on a log axis", Chart{LogX: true, Series: []Series{{Name: "flops", X: []float64{-1, 2}, Y: []float64{1, 2}}}}, "logarithmic"},
		{"wider than float64", Chart{Series: []Series{{Name: "huge", X: []float64{0, 1}, Y: []float64{-math.MaxFloat64, math.MaxFloat64}}}}, "wider than"},
	} {
		path := filepath.Join(dir, "x.png")
		err := c.chart.WritePNG(path, 100, 100)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), `"`+c.chart.Series[0].Name+`"`) {
			t.Errorf("%s: error %v, want one naming %s and the series and saying %q", c.name, err, path, c.says)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files written for charts that failed", len(entries))
	}
}

// A series of one value on a logarithmic axis (a flat loss) is drawn, not
// refused: gonum widens an empty range by ±1, which would reach below 0.
func TestFlatLogSeries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flat.png")
	c := Chart{LogY: true, Series: []Series{{X: []float64{1, 2, 3}, Y: []float64{0.5, 0.5, 0.5}}}}
	if err := c.WritePNG(path, 200, 100); err != nil {
		t.Fatal(err)
	}
}
