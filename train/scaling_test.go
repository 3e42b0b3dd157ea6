package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/train/picture"
)

// The smoke preset runs the whole study on tiny data: every model of the
// ladder is trained and scored, and the table, the rows and the plot come
// out with every model and family. A rerun trains and samples nothing and
// writes the same table; a model whose evaluation is lost is scored again
// to the same numbers (the sampling is seeded); and a model stopped before
// its end resumes to the same numbers.
func TestScalingSmoke(t *testing.T) {
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "study")
	writeTinyMNIST(t, dataDir, 60)
	args := []string{"scaling", "-preset", "smoke", "-data", dataDir, "-out", out, "-device", "cpu"}
	if err := run(t, args...); err != nil {
		t.Fatal(err)
	}
	p, _ := presetNamed("smoke")
	rows := readScalingRows(t, out)
	if len(rows) != len(p.rungs) {
		t.Fatalf("scaling.jsonl has %d rows, want one per model and family: %d", len(rows), len(p.rungs))
	}
	md, err := os.ReadFile(filepath.Join(out, "scaling.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		want := p.rungs[i]
		if r.Model != want.name || r.Family != want.family {
			t.Errorf("row %d is %s (%s), want %s (%s)", i, r.Model, r.Family, want.name, want.family)
		}
		if r.Params <= 0 || r.GFLOPs <= 0 || r.Images != p.steps*p.batch || r.ImgPerSec <= 0 || r.FD[0] <= 0 || r.FD[1] <= 0 {
			t.Errorf("row %+v: a size, a speed or a distance is missing", r)
		}
		if r.FD[0] == r.FD[1] {
			t.Errorf("%s: the two sampling seeds gave the same distance %v; they are not two samples", r.Model, r.FD[0])
		}
		if !strings.Contains(string(md), "| "+r.Model+" | "+r.Family+" |") {
			t.Errorf("scaling.md has no row for %s (%s)", r.Model, r.Family)
		}
	}
	for _, fam := range []string{familyWidth, familyPatch, familyUNet} {
		if !strings.Contains(string(md), "| "+fam+" | ") {
			t.Errorf("scaling.md has no fitted exponent for %s", fam)
		}
	}
	if !strings.Contains(string(md), "not Inception FID") {
		t.Error("scaling.md does not say that its distance is not Inception FID")
	}
	if made, err := picture.Made(filepath.Join(out, "scaling.png"), "scaling study"); err != nil || !made {
		t.Errorf("scaling.png: made %v, %v", made, err)
	}
	series := scalingChart(fitFamilies(rows))
	if len(series) != 2 {
		t.Fatalf("the plot has %d charts, want 2 (against GFLOPs, against training compute)", len(series))
	}
	for _, c := range series {
		if len(c.Series) != 6 { // points and a fit for each of three families
			t.Errorf("chart %q has %d series, want 6", c.XLabel, len(c.Series))
		}
	}

	// A rerun: nothing to train or sample, the same rows.
	// A lost evaluation is computed again, and a model whose run was lost
	// before its first checkpoint (here: its folder but the logs) trains
	// again, to the same numbers.
	os.Remove(filepath.Join(out, "UNet-S", evalFile))
	lost := filepath.Join(out, p.rungs[1].folder())
	for _, f := range []string{checkpointPath(lost), filepath.Join(lost, evalFile)} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	var buf strings.Builder
	if err := dispatchTo(&buf, args...); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "scores read back") {
		t.Errorf("the rerun did not read back the finished models' scores:\n%s", buf.String())
	}
	// The same rows but for the wall time and speed of the model trained
	// again.
	again := readScalingRows(t, out)
	for i := range rows {
		if rows[i].Model == p.rungs[1].name {
			again[i].Seconds, again[i].ImgPerSec = rows[i].Seconds, rows[i].ImgPerSec
		}
		if again[i] != rows[i] {
			t.Errorf("a rerun changed a row:\nfirst: %+v\nagain: %+v", rows[i], again[i])
		}
	}

	// Another study in the same folder is refused.
	other := t.TempDir()
	writeTinyMNIST(t, other, 30)
	if err := run(t, "scaling", "-preset", "smoke", "-data", other, "-out", out); err == nil || !strings.Contains(err.Error(), "another -out") {
		t.Errorf("a study of other data in a study's folder: %v", err)
	}
}

// dispatchTo runs the command with its output in w.
func dispatchTo(w *strings.Builder, args ...string) error { return dispatch(args, w, w) }

func readScalingRows(t *testing.T, out string) []scalingRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "scaling.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []scalingRow
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r scalingRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("scaling.jsonl line %q: %v", l, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// A power law is fitted exactly where the points lie on one.
func TestFitPowerLaw(t *testing.T) {
	c := []float64{0.1, 1, 10, 100}
	d := make([]float64, len(c))
	for i, x := range c {
		d[i] = 50 * math.Pow(x, -0.3)
	}
	fit, ok := fitPowerLaw(c, d)
	if !ok || math.Abs(fit.alpha-0.3) > 1e-9 || math.Abs(fit.a-50) > 1e-9 {
		t.Errorf("fit %+v (ok %v), want a = 50, α = 0.3", fit, ok)
	}
	if _, ok := fitPowerLaw([]float64{1, 1}, []float64{2, 3}); ok {
		t.Error("a fit through one x was reported")
	}
}

// The study's ETA times each later model at the measured rate of the
// model nearest it in step FLOPs.
func TestNearestRate(t *testing.T) {
	rates := []studyRate{{stepFLOPs: 1e9, rate: 5e10}, {stepFLOPs: 1e11, rate: 1.5e11}}
	for _, c := range []struct{ step, want float64 }{{5e8, 5e10}, {2e9, 5e10}, {5e10, 1.5e11}, {1e12, 1.5e11}} {
		if got := nearestRate(rates, c.step); got != c.want {
			t.Errorf("a step of %g FLOPs: rate %g, want %g", c.step, got, c.want)
		}
	}
	if got := nearestRate(nil, 1e9); got != 0 {
		t.Errorf("no measured rate gave %g, want 0", got)
	}
}

// -objective rf trains every model of the study for rectified flow (no
// learned variance, Euler sampling), says so in scaling.md, and marks the
// folder: a diffusion study is refused there.
func TestScalingRectifiedFlow(t *testing.T) {
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "study")
	writeTinyMNIST(t, dataDir, 60)
	p, _ := presetNamed("smoke")
	models := p.rungs[0].name + ",UNet-S"
	args := []string{"scaling", "-preset", "smoke", "-models", models, "-data", dataDir, "-out", out, "-device", "cpu"}
	if err := run(t, append(args, "-objective", "rf")...); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "scaling.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "trained for rectified flow") || !strings.Contains(string(md), "Euler steps") {
		t.Errorf("scaling.md does not say the models are rectified flows sampled with Euler:\n%s", md)
	}
	rows := readScalingRows(t, out) // the small DiT is in two families
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: the DiT by width and by patch, and the U-Net", len(rows))
	}
	for _, r := range rows {
		cfg, _, err := loadRunConfig(filepath.Join(out, rung{name: r.Model}.folder()))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Objective != "rf" || cfg.learnSigma() {
			t.Errorf("%s trained with objective %q, learned variance %v", r.Model, cfg.Objective, cfg.learnSigma())
		}
	}
	if err := run(t, args...); err == nil || !strings.Contains(err.Error(), "-objective rf") {
		t.Errorf("a diffusion study in an rf study's folder: %v", err)
	}
}
