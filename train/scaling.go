package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/train/data"
)

// The scaling study (go run ./train scaling): a ladder of models trained
// on the same data with the same recipe, each scored by the project's
// evaluation with two sampling seeds, then a table, a plot and fitted
// power laws (scalingreport.go). It tests the DiT paper's claim — the
// DiT's quality keeps improving with its forward GFLOPs where the U-Net's
// gains shrink — at the scale of this machine.
//
// Each model is an ordinary training run in a sub-folder of the study,
// started through the same flags a user would give, so a study that is
// killed picks up where it stopped: a finished model is skipped, an
// interrupted one resumes exactly (the trainer's -resume), and a finished
// evaluation is read back from the model's folder.

// rung is one model of a ladder.
type rung struct {
	name   string // its name in the table; its sub-folder is the name with / as _
	family string // the series it belongs to
	spec   modelSpec
}

// folder is the rung's sub-folder name.
func (r rung) folder() string { return strings.ReplaceAll(r.name, "/", "_") }

// Families of the ladders.
const (
	familyWidth = "DiT by width and depth"
	familyPatch = "DiT by patch"
	familyUNet  = "U-Net"
)

// studyPreset is a ladder and the recipe all its models share: the same
// images (steps × batch), learning-rate schedule, EMA, sampler, guidance
// and evaluation, the trainer's defaults unless set here.
type studyPreset struct {
	name, about              string
	rungs                    []rung
	steps, batch             int
	evalSamples, sampleSteps int
}

// ditRung is a DiT of depth d, hidden size h, heads and patch: a named
// config of those sizes ("DiT-Tiny/4"), or one of them at another patch
// ("DiT-Tiny/7"), or else DiT-Mini/4 resized, named by its sizes
// ("DiT-d2h64/4").
func ditRung(family string, d, h, heads, patch int) rung {
	var same string // a named config of these widths (MNIST-sized), at any patch
	for _, name := range dit.Names() {
		c, _ := dit.Named(name)
		if c.Depth != d || c.Hidden != h || c.Heads != heads || c.InputSize != 28 {
			continue
		}
		if c.Patch == patch {
			return rung{name: name, family: family, spec: modelSpec{Model: name}}
		}
		same = name
	}
	if same != "" {
		base, _, _ := strings.Cut(same, "/")
		return rung{name: fmt.Sprintf("%s/%d", base, patch), family: family, spec: modelSpec{Model: same, Patch: patch}}
	}
	spec := modelSpec{Model: "DiT-Mini/4", Depth: d, Hidden: h, Heads: heads, Patch: patch}
	return rung{name: fmt.Sprintf("DiT-d%dh%d/%d", d, h, patch), family: family, spec: spec}
}

func unetRung(name string) rung {
	return rung{name: name, family: familyUNet, spec: modelSpec{Model: name}}
}

// presets are the studies that `-preset` names. The patch ladder shares
// its /4 model with the width ladder: that model is trained once and
// appears in both series.
var presets = []studyPreset{
	{
		name:  "smoke",
		about: "seconds: tiny models and a few steps, for the tests; its numbers mean nothing",
		rungs: []rung{
			ditRung(familyWidth, 1, 16, 2, 4), ditRung(familyWidth, 2, 32, 2, 4),
			ditRung(familyPatch, 1, 16, 2, 2), ditRung(familyPatch, 1, 16, 2, 4),
			unetRung("UNet-S"), unetRung("UNet-B"),
		},
		steps: 3, batch: 2, evalSamples: 12, sampleSteps: 2,
	},
	{
		name: "quick",
		about: "the default, about 50 minutes on two CPU cores (68 on a busy machine): 32,000 images a model " +
			"(4000 steps of 8), 250 evaluation samples of 20 DDIM steps per seed",
		rungs: []rung{
			ditRung(familyWidth, 2, 64, 2, 4), ditRung(familyWidth, 3, 96, 3, 4),
			ditRung(familyWidth, 4, 128, 4, 4), ditRung(familyWidth, 6, 192, 3, 4),
			ditRung(familyPatch, 4, 128, 4, 7), ditRung(familyPatch, 4, 128, 4, 4), ditRung(familyPatch, 4, 128, 4, 2),
			unetRung("UNet-S"), unetRung("UNet-B"),
		},
		steps: 4000, batch: 8, evalSamples: 250, sampleSteps: 20,
	},
	{
		name: "full",
		about: "the trainer's default budget for every model: 384,000 images (24,000 steps of 16), " +
			"1000 evaluation samples of 50 DDIM steps per seed, and larger models; about a day on " +
			"two CPU cores, dominated by the U-Nets",
		rungs: []rung{
			ditRung(familyWidth, 2, 64, 2, 4), ditRung(familyWidth, 4, 128, 4, 4),
			ditRung(familyWidth, 6, 192, 3, 4), ditRung(familyWidth, 8, 256, 4, 4),
			ditRung(familyPatch, 6, 192, 3, 7), ditRung(familyPatch, 6, 192, 3, 4), ditRung(familyPatch, 6, 192, 3, 2),
			unetRung("UNet-S"), unetRung("UNet-B"), unetRung("UNet-L"),
		},
		steps: 24000, batch: 16, evalSamples: 1000, sampleSteps: 50,
	},
}

// The quick preset is sized for 90 minutes on two cores, on 28×28 images.
// Its DiTs span 0.010 to 0.28 forward GFLOPs by width and depth at patch 4
// (depth 2 / hidden 64, 3 / 96, DiT-Mini/4, DiT-Tiny/4), and 0.029 to 0.39
// by patch at DiT-Mini's width (/7, /4, /2); its U-Nets are the two
// smallest (0.56 and 2.2). A first version trained 24,000 images a model
// in 1500 steps of 16, and every DiT's samples stayed near chance (12–17%
// conditioning accuracy): a DiT needs many updates more than many images
// (see defaultConfig), so the preset takes steps of 8, twice as many per
// image, and leaves the largest DiTs (depth 8 / hidden 256, DiT-Tiny/2) to
// the full preset. At batch 8, bench measured 638, 322 and 119 img/s for
// the d3h96, Mini and Tiny DiTs, 613 and 83 for Mini/7 and Mini/2, and 38
// and 17 for UNet-S and UNet-B: about 61 minutes of training at 32,000
// images a model, half of it UNet-B's, and about 12 of sampling. It took
// 1h08m on a busy machine and 50 minutes on a quiet one (2026-12-01).

func presetNamed(name string) (studyPreset, error) {
	var names []string
	for _, p := range presets {
		if p.name == name {
			return p, nil
		}
		names = append(names, p.name)
	}
	return studyPreset{}, fmt.Errorf("-preset %q: must be one of %s", name, strings.Join(names, ", "))
}

// evalSeeds are the two sampling seeds every model is scored with; their
// spread is the table's ±.
var evalSeeds = [2]uint64{1, 2}

// scalingArgs are the subcommand's settings.
type scalingArgs struct {
	preset, models, out string
	data                config // Data, ImageSize, Channels
	objective, device   string
}

const scalingUsage = `usage: go run ./train scaling [-preset quick|smoke|full] [-models A,B] [-out DIR] [-data DIR]

trains a ladder of models on the same data with the same recipe — DiTs by
width and depth, DiTs by patch size, and U-Nets — scores each with the
evaluation (conditioning accuracy and the Fréchet distance in the
evaluation classifier's feature space: not Inception FID) under two
sampling seeds, and writes scaling.md, scaling.png and scaling.jsonl in
the output folder, with a power law d ≈ a·C^(−α) fitted to each family.

Each model trains in a sub-folder of its own. Run the same command again
to continue a study that was stopped: finished models are skipped and an
interrupted one resumes exactly where its last checkpoint left it.

presets:
`

func scalingFlags(a *scalingArgs, stderr io.Writer) *flag.FlagSet {
	var about strings.Builder
	for _, p := range presets {
		fmt.Fprintf(&about, "  %-6s %s\n", p.name, p.about)
	}
	fs := newFlagSet("scaling", stderr, scalingUsage+about.String()+"\nflags:\n")
	fs.StringVar(&a.preset, "preset", a.preset, "the study: smoke, quick or full (see above)")
	fs.StringVar(&a.models, "models", a.models, "train and score only these models of the ladder, comma-separated (\"\": all)")
	fs.StringVar(&a.out, "out", a.out, "the study's folder (\"\": runs/scaling-PRESET, or runs/scaling-PRESET-rf for -objective rf)")
	fs.StringVar(&a.objective, "objective", a.objective, "every model's training objective: diffusion or rf (rectified flow, sampled with Euler)")
	addDataFlags(fs, &a.data)
	addDeviceFlag(fs, &a.device)
	return fs
}

// studyFile marks a folder as a study's, with its preset: a study refuses
// a folder that holds something else, or another preset's study.
const studyFile = "study.json"

type studyMark struct {
	Preset    string `json:"preset"`
	Data      string `json:"data"`
	Objective string `json:"objective,omitempty"` // "" for diffusion, as before -objective
}

// defaultScalingArgs are the subcommand's defaults: the quick preset on
// the trainer's default data and device.
func defaultScalingArgs() scalingArgs {
	def := defaultConfig()
	a := scalingArgs{preset: "quick", objective: def.Objective, device: def.Device}
	a.data.Data, a.data.ImageSize, a.data.Channels = def.Data, def.ImageSize, def.Channels
	return a
}

func scalingCommand(args []string, stdout, stderr io.Writer) error {
	a := defaultScalingArgs()
	given, err := parse(scalingFlags(&a, stderr), args)
	if err != nil {
		return err
	}
	p, err := presetNamed(a.preset)
	if err != nil {
		return err
	}
	if err := checkDataFlags(a.data, given); err != nil {
		return err
	}
	if a.objective != "diffusion" && a.objective != "rf" {
		return fmt.Errorf("scaling: -objective %q: must be diffusion or rf", a.objective)
	}
	mark := studyMark{Preset: p.name, Data: a.data.Data}
	if a.out == "" {
		a.out = filepath.Join("runs", "scaling-"+p.name)
	}
	if a.objective == "rf" {
		mark.Objective = "rf"
		if !slices.Contains(given, "out") {
			a.out += "-rf"
		}
	}
	rungs, err := pickRungs(p.rungs, a.models)
	if err != nil {
		return err
	}
	ds, err := data.Load(a.data.Data, a.data.ImageSize, a.data.Channels)
	if err != nil {
		return err
	}
	// Every model's config, checked against the data before anything is
	// trained or written.
	type planned struct {
		rung
		args []string
		nc   netConfig
	}
	var plan []planned
	for _, r := range rungs {
		cfg, err := parseTrainFlags(studyTrainArgs(a, p, r, ""), io.Discard)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		nc, err := cfg.modelConfig(ds)
		if err != nil {
			return fmt.Errorf("%s on this data: %w (-models picks the models of the ladder that fit it)", r.name, err)
		}
		plan = append(plan, planned{rung: r, nc: nc})
	}
	if err := openStudyFolder(a.out, mark); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "scaling study %q in %s: %d models, %d images each (%d steps of %d)\n", p.name, a.out, len(distinct(rungs)), p.steps*p.batch, p.steps, p.batch)

	// The work left, in FLOPs, for the study's ETA: training steps, and
	// the evaluations' forward passes (two per sampling step, with
	// guidance).
	work := func(nc netConfig) float64 {
		fwd := nc.trainFLOPs(1) / 3
		return nc.trainFLOPs(p.batch)*float64(p.steps) + float64(len(evalSeeds)*p.evalSamples*p.sampleSteps*2)*fwd
	}
	var rows []scalingRow
	var measured []studyRate // the FLOP rates of the models trained so far
	done := map[string]scalingRow{}
	start := time.Now()
	for k, pl := range plan {
		if row, ok := done[pl.folder()]; ok { // a model of two families
			row.Family = pl.family
			rows = append(rows, row)
			continue
		}
		line := &studyLine{k: k + 1, n: len(plan), name: pl.name, stepFLOPs: pl.nc.trainFLOPs(p.batch), measured: measured}
		for _, later := range plan[k+1:] {
			if _, ok := done[later.folder()]; !ok && later.folder() != pl.folder() {
				line.later = append(line.later, studyWork{flops: work(later.nc), stepFLOPs: later.nc.trainFLOPs(p.batch)})
			}
		}
		dir := filepath.Join(a.out, pl.folder())
		fmt.Fprintf(stdout, "\n== model %d/%d: %s (%s) in %s\n", k+1, len(plan), pl.name, pl.family, dir)
		if err := trainRung(a, p, pl.rung, dir, stdout, stderr, line); err != nil {
			return fmt.Errorf("scaling: %s: %w", pl.name, err)
		}
		row, err := scoreRung(a, p, pl.rung, pl.nc, dir, ds, stdout)
		if err != nil {
			return fmt.Errorf("scaling: %s: %w", pl.name, err)
		}
		done[pl.folder()] = row
		rows = append(rows, row)
		measured = append(measured, studyRate{stepFLOPs: line.stepFLOPs, rate: row.ImgPerSec / float64(p.batch) * line.stepFLOPs})
	}
	if err := writeStudy(a.out, p, a.objective, rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\ndone in %s: %s, %s and %s\n", time.Since(start).Round(time.Second),
		filepath.Join(a.out, "scaling.md"), filepath.Join(a.out, "scaling.png"), filepath.Join(a.out, "scaling.jsonl"))
	return nil
}

// pickRungs is the ladder, or the models of it that -models names.
func pickRungs(all []rung, models string) ([]rung, error) {
	if models == "" {
		return all, nil
	}
	var out []rung
	for _, name := range strings.Split(models, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, r := range all {
			if r.name == name {
				out, found = append(out, r), true
			}
		}
		if !found {
			var names []string
			for _, r := range distinct(all) {
				names = append(names, r.name)
			}
			return nil, fmt.Errorf("-models: %q is not in this preset's ladder: %s", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// distinct is the rungs with one entry per model (a model in two
// families once).
func distinct(rungs []rung) []rung {
	var out []rung
	for _, r := range rungs {
		if !slices.ContainsFunc(out, func(o rung) bool { return o.folder() == r.folder() }) {
			out = append(out, r)
		}
	}
	return out
}

// studyTrainArgs are the trainer's flags for a rung: the preset's recipe,
// the rung's model, the study's data and device. The trainer evaluates
// nothing itself (-eval-every -1): the study scores every model with one
// shared classifier.
func studyTrainArgs(a scalingArgs, p studyPreset, r rung, out string) []string {
	args := []string{"-model", r.spec.Model, "-steps", strconv.Itoa(p.steps), "-batch", strconv.Itoa(p.batch),
		"-eval-every", "-1", "-sample-every", "0", "-sample-steps", strconv.Itoa(p.sampleSteps), "-device", a.device, "-objective", a.objective}
	for _, o := range r.spec.sizes(&dit.Config{}) {
		if o.value != 0 {
			args = append(args, o.flag, strconv.Itoa(o.value))
		}
	}
	if a.data.Data != "" {
		args = append(args, "-data", a.data.Data)
		if !data.IsMNISTDir(a.data.Data) {
			args = append(args, "-image-size", strconv.Itoa(a.data.ImageSize), "-channels", strconv.Itoa(a.data.Channels))
		}
	}
	if out != "" {
		args = append(args, "-out", out)
	}
	return args
}

// trainRung trains the rung's model in dir: a new run, or the run there
// resumed (which returns at once if it is complete).
func trainRung(a scalingArgs, p studyPreset, r rung, dir string, stdout, stderr io.Writer, line *studyLine) error {
	args := []string{"-resume", dir, "-device", a.device}
	if _, err := os.Stat(checkpointPath(dir)); err != nil {
		// No checkpoint: a new run. A run killed before its first
		// checkpoint left only logs, which -overwrite moves aside.
		args = append(studyTrainArgs(a, p, r, dir), "-overwrite")
	}
	cfg, err := parseTrainFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.Steps != p.steps || cfg.Batch != p.batch {
		return fmt.Errorf("%s holds a run of %d steps of %d, not this preset's %d of %d; give another -out", dir, cfg.Steps, cfg.Batch, p.steps, p.batch)
	}
	return trainRun(cfg, stdout, stderr, line)
}

// rungEval is a model's scores, saved in its folder (evalFile) so that a
// rerun of the study reads them back instead of sampling again.
type rungEval struct {
	Seeds       [2]uint64  `json:"seeds"`
	Samples     int        `json:"samples"`
	SampleSteps int        `json:"sample_steps"`
	CondAcc     [2]float64 `json:"cond_acc"`
	FD          [2]float64 `json:"fd"`
}

const evalFile = "scaling_eval.json"

// scoreRung evaluates the rung's trained model under both seeds (or reads
// the scores back) and returns its row of the table.
func scoreRung(a scalingArgs, p studyPreset, r rung, nc netConfig, dir string, ds *data.Dataset, stdout io.Writer) (scalingRow, error) {
	row := scalingRow{Model: r.name, Family: r.family, Images: p.steps * p.batch,
		GFLOPs: nc.trainFLOPs(1) / 3 / 1e9}
	row.TrainGFLOP = 3 * row.GFLOPs * float64(row.Images)
	last, err := lastStep(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return row, err
	}
	row.Seconds, row.ImgPerSec = last.Seconds, last.ImgPerSec

	cfg, _, err := loadRunConfig(dir)
	if err != nil {
		return row, err
	}
	cfg.Device, cfg.EvalSamples, cfg.SampleSteps = a.device, p.evalSamples, p.sampleSteps
	dev, _, closeDev, err := openDevice(cfg.Device)
	if err != nil {
		return row, err
	}
	defer closeDev()
	m, err := loadNet(dev, checkpointPath(dir), true, 0, 0)
	if err != nil {
		return row, err
	}
	defer m.Release()
	row.Params = m.Params.Count()

	want := rungEval{Seeds: evalSeeds, Samples: p.evalSamples, SampleSteps: p.sampleSteps}
	path := filepath.Join(dir, evalFile)
	var got rungEval
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &got) == nil &&
		got.Seeds == want.Seeds && got.Samples == want.Samples && got.SampleSteps == want.SampleSteps {
		fmt.Fprintf(stdout, "scores read back from %s\n", path)
	} else {
		got = want
		for i, seed := range evalSeeds {
			cfg.Seed = seed
			t0 := time.Now()
			s, err := evaluate(dev, m, diffusion.LinearSchedule(diffusion.DefaultSteps), cfg, ds, filepath.Join(a.out, "classifier.safetensors"), stdout)
			if err != nil {
				return row, err
			}
			got.CondAcc[i], got.FD[i] = s.Accuracy, s.FID
			fmt.Fprintf(stdout, "seed %d: %s (%s)\n", seed, s, time.Since(t0).Round(time.Second))
		}
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := nn.WriteAtomic(path, append(b, '\n')); err != nil {
			return row, err
		}
	}
	row.CondAcc, row.FD = got.CondAcc, got.FD
	return row, nil
}

// lastStep is the last training line of a metrics file.
func lastStep(path string) (metricLine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return metricLine{}, err
	}
	var last metricLine
	found := false
	for _, l := range strings.Split(string(b), "\n") {
		var m metricLine
		if json.Unmarshal([]byte(l), &m) == nil && m.Eval == nil && m.Step > 0 {
			last, found = m, true
		}
	}
	if !found {
		return last, fmt.Errorf("%s: no training step logged", path)
	}
	return last, nil
}

// openStudyFolder creates the study's folder, or checks that the folder
// there is this preset's study: an empty folder is taken, anything else
// that is not marked as a study of the same preset is refused.
// objectiveNote is " -objective rf" for a rectified-flow study.
func (m studyMark) objectiveNote() string {
	if m.Objective == "" {
		return ""
	}
	return " -objective " + m.Objective
}

func openStudyFolder(dir string, mark studyMark) error {
	path := filepath.Join(dir, studyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var old studyMark
		if err := json.Unmarshal(b, &old); err != nil {
			return fmt.Errorf("-out %s: %s is not a study's mark (%v); give another -out", dir, path, err)
		}
		if old != mark {
			return fmt.Errorf("-out %s holds a study of -preset %s%s on data %q; give another -out for -preset %s%s on %q", dir, old.Preset, old.objectiveNote(), old.Data, mark.Preset, mark.objectiveNote(), mark.Data)
		}
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("-out %s: %w", dir, err)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("-out %s: the folder holds other files and no %s; a study starts in a new or empty folder", dir, studyFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: cannot create the folder: %w", dir, err)
	}
	b, _ = json.Marshal(mark)
	return nn.WriteAtomic(path, append(b, '\n'))
}

// studyLine turns a model's progress line into the study's: model k of n,
// its step, and the time left for the whole study. Each model after this
// one is timed at the FLOP rate of the model measured so far (this one
// included) whose training step is nearest its own in FLOPs: a small DiT
// runs at a third of a large one's rate, so one rate for all would be
// hours off.
type studyLine struct {
	k, n      int
	name      string
	stepFLOPs float64     // FLOPs of one training step of this model
	later     []studyWork // the models after it
	measured  []studyRate // the models trained before it
}

// studyWork is a model still to train: its FLOPs, training and
// evaluation, and those of one training step.
type studyWork struct{ flops, stepFLOPs float64 }

// studyRate is a model's measured FLOP rate and its training step's FLOPs.
type studyRate struct{ stepFLOPs, rate float64 }

func (s *studyLine) line(p *progress, run string, runLeft time.Duration, known bool) string {
	eta := "?"
	if known {
		rates := append(slices.Clone(s.measured), studyRate{s.stepFLOPs, p.imagesPerSecond() / float64(p.batch) * s.stepFLOPs})
		left := runLeft
		for _, w := range s.later {
			if r := nearestRate(rates, w.stepFLOPs); r > 0 {
				left += time.Duration(w.flops / r * float64(time.Second))
			}
		}
		eta = left.Round(time.Second).String()
	}
	return fmt.Sprintf("model %d/%d %s | %s | study ETA %s", s.k, s.n, s.name, run, eta)
}

// nearestRate is the rate of the measured model whose step is nearest
// stepFLOPs by ratio (0 if none is known).
func nearestRate(rates []studyRate, stepFLOPs float64) float64 {
	best, rate := math.Inf(1), 0.0
	for _, r := range rates {
		if d := math.Abs(math.Log(r.stepFLOPs / stepFLOPs)); r.rate > 0 && d < best {
			best, rate = d, r.rate
		}
	}
	return rate
}
