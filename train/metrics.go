package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/train/picture"
	"github.com/ditgo/ditgo/train/score"
)

// metricsFile is the run's metrics.jsonl: one JSON object per line, one
// line per logged step (and one per evaluation), easy to plot with any
// tool. It keeps the logged losses for the loss-curve PNG.
type metricsFile struct {
	f      *os.File
	path   string
	steps  []int
	losses []float64
}

type metricLine struct {
	Step      int           `json:"step"`
	Loss      float32       `json:"loss"`
	MSE       float32       `json:"mse"`
	VB        float32       `json:"vb"`
	ImgPerSec float64       `json:"img_per_s"`
	Seconds   float64       `json:"elapsed_s"`
	PeakMiB   float64       `json:"peak_mib,omitempty"`   // device memory tensors held at most since the last line
	LossScale float32       `json:"loss_scale,omitempty"` // -precision fp16: the loss scale now …
	Skipped   int           `json:"skipped,omitempty"`    // … and the steps skipped so far for an overflow
	Eval      *score.Scores `json:"eval,omitempty"`
}

// openMetrics opens the metrics file for appending, first dropping lines
// after step `upTo` — a run killed after its last checkpoint logged steps
// that the resumed run will log again — and any line cut short by a kill.
// The file is rewritten only when lines must go, and then atomically.
func openMetrics(path string, upTo int) (*metricsFile, error) {
	m := &metricsFile{path: path}
	var kept []string
	dropped := false
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l metricLine
			if json.Unmarshal(sc.Bytes(), &l) != nil || l.Step > upTo {
				dropped = true
				continue
			}
			kept = append(kept, sc.Text())
			if l.Eval == nil {
				m.steps, m.losses = append(m.steps, l.Step), append(m.losses, float64(l.Loss))
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	if dropped {
		if err := rewriteLines(path, kept); err != nil {
			return nil, fmt.Errorf("cannot rewrite %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot write metrics: %w", err)
	}
	m.f = f
	return m, nil
}

// rewriteLines replaces the file at path with lines, atomically.
func rewriteLines(path string, lines []string) error {
	var b bytes.Buffer
	for _, l := range lines {
		fmt.Fprintln(&b, l)
	}
	return nn.WriteAtomic(path, b.Bytes())
}

// evalLogged reports whether the metrics file at path holds an evaluation
// at step.
func evalLogged(path string, step int) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l metricLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Step == step && l.Eval != nil {
			return true, nil
		}
	}
	return false, sc.Err()
}

func (m *metricsFile) write(step int, loss float32, terms [2]float32, imgPerSec float64, elapsed time.Duration, peakBytes int64, scaler *nn.LossScaler) error {
	m.steps, m.losses = append(m.steps, step), append(m.losses, float64(loss))
	l := metricLine{Step: step, Loss: loss, MSE: terms[0], VB: terms[1], ImgPerSec: imgPerSec, Seconds: elapsed.Seconds(),
		PeakMiB: float64(peakBytes) / (1 << 20)}
	if scaler != nil {
		l.LossScale, l.Skipped = scaler.Scale, scaler.Skipped
	}
	return m.append(l)
}

// writeEval logs an evaluation as its own line: {"step": …, "eval": {…}}.
func (m *metricsFile) writeEval(step int, s score.Scores) error {
	return m.append(struct {
		Step int          `json:"step"`
		Eval score.Scores `json:"eval"`
	}{step, s})
}

func (m *metricsFile) append(l any) error {
	b, _ := json.Marshal(l)
	if _, err := fmt.Fprintln(m.f, string(b)); err != nil {
		return fmt.Errorf("writing %s: %w", m.path, err)
	}
	return nil
}

// plot redraws the loss curve.
func (m *metricsFile) plot(path string) error {
	if len(m.steps) < 2 {
		return nil
	}
	return picture.WriteLoss(path, m.steps, m.losses)
}

func (m *metricsFile) Close() error { return m.f.Close() }
