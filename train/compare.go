package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ditgo/ditgo/train/picture"
)

// compareKind marks the charts compare writes (picture.Made), so that it
// replaces its own earlier chart and nothing else.
const compareKind = "loss comparison"

const compareUsage = `usage: go run ./train compare -runs DIR,DIR[,...] [-png FILE]

draws the training loss of several runs in one chart, to see whether a
change (a precision, a learning rate, a model) changed how the model learns:
for each run, the moving average of the losses in its metrics.jsonl against
the step, on a log scale. A run is its output folder (or the metrics.jsonl
in it); its legend entry is the folder, with its last evaluation's
conditioning accuracy when it has one.

flags:
`

type compareArgs struct {
	runs, png string
	overwrite bool
}

func compareFlags(a *compareArgs, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("compare", stderr, compareUsage)
	fs.StringVar(&a.runs, "runs", a.runs, "comma-separated run folders (or their metrics.jsonl files)")
	fs.StringVar(&a.png, "png", a.png, "the chart to write")
	fs.BoolVar(&a.overwrite, "overwrite", a.overwrite, "replace -png even when compare did not write it")
	return fs
}

// compareCommand is `go run ./train compare`.
func compareCommand(args []string, stdout, stderr io.Writer) error {
	a := compareArgs{png: "loss_comparison.png"}
	if _, err := parse(compareFlags(&a, stderr), args); err != nil {
		return err
	}
	if a.runs == "" {
		return fmt.Errorf("compare: -runs: give the run folders to compare, separated by commas")
	}
	if err := mayWrite("compare", output{"-png", a.png, madeAs(compareKind)}, a.overwrite); err != nil {
		return err
	}
	var curves []picture.LossCurve
	for _, run := range strings.Split(a.runs, ",") {
		c, err := readLossCurve(run)
		if err != nil {
			return fmt.Errorf("compare: -runs: %w", err)
		}
		curves = append(curves, c)
	}
	if err := picture.WriteLosses(a.png, compareKind, curves); err != nil {
		return err
	}
	for _, c := range curves {
		fmt.Fprintf(stdout, "%s: %d logged steps\n", c.Name, len(c.Steps))
	}
	fmt.Fprintf(stdout, "wrote %s\n", a.png)
	return nil
}

// readLossCurve reads the logged losses of a run, given its folder or its
// metrics.jsonl, and names the curve after the folder and its last
// evaluation. A line cut short (a run killed while writing it) is skipped.
func readLossCurve(run string) (picture.LossCurve, error) {
	path := run
	if info, err := os.Stat(run); err == nil && info.IsDir() {
		path = filepath.Join(run, "metrics.jsonl")
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return picture.LossCurve{}, fmt.Errorf("%s: no metrics.jsonl there; give a run's output folder", run)
	}
	if err != nil {
		return picture.LossCurve{}, err
	}
	defer f.Close()
	c := picture.LossCurve{Name: strings.TrimSuffix(filepath.Clean(run), string(filepath.Separator)+"metrics.jsonl")}
	acc := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l metricLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		if l.Eval != nil {
			acc = fmt.Sprintf(" (cond-acc %.1f%% at step %d)", 100*l.Eval.Accuracy, l.Step)
			continue
		}
		c.Steps, c.Values = append(c.Steps, l.Step), append(c.Values, float64(l.Loss))
	}
	if err := sc.Err(); err != nil {
		return c, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(c.Steps) < 2 {
		return c, fmt.Errorf("%s: %d logged steps; a curve needs at least 2", path, len(c.Steps))
	}
	c.Name += acc
	return c, nil
}
