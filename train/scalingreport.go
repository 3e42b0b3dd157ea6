package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/train/picture"
)

// What a scaling study writes: scaling.jsonl (one row a model and family),
// scaling.md (the table and the fitted exponents) and scaling.png (the
// Fréchet distance against forward GFLOPs and against training compute,
// log-log, with the fits).

// scalingRow is one model of the study, in one family.
type scalingRow struct {
	Model      string     `json:"model"`
	Family     string     `json:"family"`
	Params     int        `json:"params"`
	GFLOPs     float64    `json:"forward_gflops"`       // one image's forward pass
	TrainGFLOP float64    `json:"train_compute_gflops"` // 3 × GFLOPs × images
	Images     int        `json:"images"`
	Seconds    float64    `json:"train_seconds"`
	ImgPerSec  float64    `json:"img_per_s"`
	CondAcc    [2]float64 `json:"cond_acc"` // under each of evalSeeds
	FD         [2]float64 `json:"fd"`       // Fréchet distance in the classifier's feature space
}

// meanSpread is the mean of two scores and half their difference, the ±
// the table gives.
func meanSpread(v [2]float64) (mean, spread float64) {
	return (v[0] + v[1]) / 2, math.Abs(v[0]-v[1]) / 2
}

// powerLaw is the least-squares fit of log d = log a − α·log c.
type powerLaw struct{ a, alpha float64 }

// fitPowerLaw fits d ≈ a·c^(−α) to the points with positive coordinates;
// ok is false with fewer than two distinct c.
func fitPowerLaw(c, d []float64) (fit powerLaw, ok bool) {
	var xs, ys []float64
	for i := range c {
		if c[i] > 0 && d[i] > 0 && !math.IsInf(d[i], 0) {
			xs, ys = append(xs, math.Log(c[i])), append(ys, math.Log(d[i]))
		}
	}
	n := float64(len(xs))
	if n < 2 {
		return fit, false
	}
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/n, my/n
	var sxx, sxy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
	}
	if sxx == 0 {
		return fit, false
	}
	slope := sxy / sxx
	return powerLaw{a: math.Exp(my - slope*mx), alpha: -slope}, true
}

// familyFit is a family's exponent: fitted to each seed's distances, as
// the mean ± half the difference of the two.
type familyFit struct {
	family     string
	alpha, pm  float64
	fits       [2]powerLaw
	ok         bool
	x          []float64 // forward GFLOPs
	d, dSpread []float64 // mean distance and its spread
	compute    []float64 // training GFLOPs
	models     []string
	acc, accPM []float64
}

// fitFamilies groups the rows by family, in order of first appearance,
// with the points sorted by GFLOPs.
func fitFamilies(rows []scalingRow) []familyFit {
	var fams []familyFit
	for _, r := range rows {
		i := slices.IndexFunc(fams, func(f familyFit) bool { return f.family == r.Family })
		if i < 0 {
			fams = append(fams, familyFit{family: r.Family})
			i = len(fams) - 1
		}
		f := &fams[i]
		d, pm := meanSpread(r.FD)
		acc, accPM := meanSpread(r.CondAcc)
		f.x, f.d, f.dSpread, f.compute = append(f.x, r.GFLOPs), append(f.d, d), append(f.dSpread, pm), append(f.compute, r.TrainGFLOP)
		f.models, f.acc, f.accPM = append(f.models, r.Model), append(f.acc, acc), append(f.accPM, accPM)
	}
	for i := range fams {
		f := &fams[i]
		var perSeed [2][]float64
		for _, r := range rows {
			if r.Family == f.family {
				perSeed[0], perSeed[1] = append(perSeed[0], r.FD[0]), append(perSeed[1], r.FD[1])
			}
		}
		ok0, ok1 := false, false
		f.fits[0], ok0 = fitPowerLaw(f.x, perSeed[0])
		f.fits[1], ok1 = fitPowerLaw(f.x, perSeed[1])
		if f.ok = ok0 && ok1; f.ok {
			f.alpha = (f.fits[0].alpha + f.fits[1].alpha) / 2
			f.pm = math.Abs(f.fits[0].alpha-f.fits[1].alpha) / 2
		}
	}
	return fams
}

// writeStudy writes the study's three files in dir.
func writeStudy(dir string, p studyPreset, objective string, rows []scalingRow) error {
	var jl strings.Builder
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		jl.Write(append(b, '\n'))
	}
	if err := nn.WriteAtomic(filepath.Join(dir, "scaling.jsonl"), []byte(jl.String())); err != nil {
		return err
	}
	fams := fitFamilies(rows)
	if err := nn.WriteAtomic(filepath.Join(dir, "scaling.md"), []byte(scalingTable(p, objective, rows, fams))); err != nil {
		return err
	}
	return scalingChart(fams).WritePNG(filepath.Join(dir, "scaling.png"), 960, 480)
}

// scalingTable is scaling.md: the recipe, one row a model and family, and
// the fitted exponents.
func scalingTable(p studyPreset, objective string, rows []scalingRow, fams []familyFit) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Scaling study, preset %s\n\n", p.name)
	how, sampler := "diffusion (the hybrid loss)", "DDIM"
	if objective == "rf" {
		how, sampler = "rectified flow", "Euler"
	}
	fmt.Fprintf(&b, "Every model: trained for %s on %d images (%d steps of %d), the trainer's learning-rate schedule and EMA; scored on %d guided samples of %d %s steps under each of the sampling seeds %d and %d. ",
		how, p.steps*p.batch, p.steps, p.batch, p.evalSamples, p.sampleSteps, sampler, evalSeeds[0], evalSeeds[1])
	b.WriteString("The distance is the Fréchet distance in the feature space of the project's evaluation classifier, **not Inception FID**; ± is half the difference between the two seeds.\n\n")
	b.WriteString("| model | family | parameters | forward GFLOPs | training compute (GFLOPs) | wall time | img/s | conditioning accuracy | Fréchet distance |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		acc, accPM := meanSpread(r.CondAcc)
		d, pm := meanSpread(r.FD)
		fmt.Fprintf(&b, "| %s | %s | %.2fM | %.3g | %.3g | %s | %.1f | %.1f%% ± %.1f | %.2f ± %.2f |\n",
			r.Model, r.Family, float64(r.Params)/1e6, r.GFLOPs, r.TrainGFLOP, fmtSeconds(r.Seconds), r.ImgPerSec, 100*acc, 100*accPM, d, pm)
	}
	b.WriteString("\nFitted power laws d ≈ a·C^(−α), C the forward GFLOPs (every model sees the same images, so the training compute is C times one constant and gives the same α):\n\n")
	b.WriteString("| family | α | fit of seed 1 | fit of seed 2 |\n|---|---|---|---|\n")
	for _, f := range fams {
		if !f.ok {
			fmt.Fprintf(&b, "| %s | (fewer than two sizes) | | |\n", f.family)
			continue
		}
		// The exponent is written as it is, −α: a family that gets worse
		// with compute (α < 0) reads C^(0.56), not C^(−-0.56).
		fmt.Fprintf(&b, "| %s | %.3f ± %.3f | %.3g·C^(%.3f) | %.3g·C^(%.3f) |\n", f.family, f.alpha, f.pm, f.fits[0].a, -f.fits[0].alpha, f.fits[1].a, -f.fits[1].alpha)
	}
	return b.String()
}

// fmtSeconds is a wall time as 1h02m03s, 4m05s or 6s.
func fmtSeconds(s float64) string {
	t := int(math.Round(s))
	switch {
	case t >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", t/3600, t/60%60, t%60)
	case t >= 60:
		return fmt.Sprintf("%dm%02ds", t/60, t%60)
	}
	return fmt.Sprintf("%ds", t)
}

// scalingChart is scaling.png: the distance against forward GFLOPs and
// against training compute, one series of points and one dashed fit per
// family.
func scalingChart(fams []familyFit) picture.Charts {
	chart := func(xlabel string, x func(f familyFit) []float64) picture.Chart {
		c := picture.Chart{Title: "scaling study", XLabel: xlabel, YLabel: "Fréchet distance (classifier features, not Inception)", LogX: true, LogY: true, Kind: "scaling study"}
		for i, f := range fams {
			col := picture.Palette(i)
			c.Series = append(c.Series, picture.Series{Name: f.family, X: x(f), Y: f.d, Points: true, Color: col})
			if !f.ok {
				continue
			}
			xs := x(f)
			lo, hi := slices.Min(xs), slices.Max(xs)
			// The fit in C (forward GFLOPs), drawn at the x of each point.
			scale := xs[0] / f.x[0]
			fit := powerLaw{a: math.Sqrt(f.fits[0].a * f.fits[1].a), alpha: f.alpha}
			c.Series = append(c.Series, picture.Series{Name: fmt.Sprintf("fit, α = %.2f ± %.2f", f.alpha, f.pm),
				X: []float64{lo, hi}, Y: []float64{fit.a * math.Pow(lo/scale, -fit.alpha), fit.a * math.Pow(hi/scale, -fit.alpha)}, Dashed: true, Color: col})
		}
		return c
	}
	return picture.Charts{
		chart("forward GFLOPs per image", func(f familyFit) []float64 { return f.x }),
		chart("training compute (GFLOPs)", func(f familyFit) []float64 { return f.compute }),
	}
}
