package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints the live line of a run: step, loss, images per second and
// the time left. On a terminal it rewrites one line; in a log file it
// prints a line every few seconds instead.
//
// The speed and the ETA measure training alone: the time spent on
// checkpoints, grids and evaluations is set aside (and reported on lines
// of its own), or a run that just drew a grid would read a few img/s.
type progress struct {
	w           io.Writer
	tty         bool
	total       int
	batch       int
	first       int        // the step the run (or resume) started at
	study       *studyLine // nil, or the scaling study this run is part of
	start, last time.Time
	aside       time.Duration // spent on other work since start
	// earlier and earlierAside are the wall time and the time on other work
	// of the run's earlier processes, up to its last checkpoint, for a
	// resumed run (0 for a new one): elapsed counts the whole run.
	earlier, earlierAside time.Duration
	step                  int
	loss                  float32
}

func newProgress(w io.Writer, total, batch, first int) *progress {
	now := time.Now()
	return &progress{w: w, tty: isTerminal(w), total: total, batch: batch, first: first, start: now, step: first}
}

// isTerminal reports whether w is a terminal, where a line can be redrawn
// with \r; in a file or a pipe, \r would run lines together.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) elapsed() time.Duration { return p.earlier + time.Since(p.start) }

// resumed counts the wall time and the time set aside of the run's earlier
// processes, from its checkpoint, in elapsed and in the run's training.
func (p *progress) resumed(elapsed, aside time.Duration) {
	p.earlier, p.earlierAside = elapsed, aside
}

// training is the run's time spent training, over all its processes:
// elapsed, less the time set aside.
func (p *progress) training() time.Duration { return p.elapsed() - p.earlierAside - p.aside }

// trainingNow is training in this process alone, which the speed and the
// ETA divide by the steps this process took.
func (p *progress) trainingNow() time.Duration { return time.Since(p.start) - p.aside }

// setAside records d as spent on other work than training, and returns it
// for the line that reports that work.
func (p *progress) setAside(d time.Duration) time.Duration {
	p.aside += d
	return d.Round(100 * time.Millisecond)
}

func (p *progress) imagesPerSecond() float64 {
	s := p.trainingNow().Seconds()
	if s <= 0 {
		return 0
	}
	return float64((p.step-p.first)*p.batch) / s
}

func (p *progress) line() string {
	eta := "?"
	var left time.Duration
	done := p.step - p.first
	if done > 0 {
		left = time.Duration(float64(p.trainingNow()) / float64(done) * float64(p.total-p.step))
		eta = left.Round(time.Second).String()
	}
	line := fmt.Sprintf("step %d/%d | loss %.4f | %.1f img/s | ETA %s", p.step, p.total, p.loss, p.imagesPerSecond(), eta)
	if p.study != nil {
		return p.study.line(p, line, left, done > 0)
	}
	return line
}

// update records a finished step and redraws the line when it is time.
func (p *progress) update(step int, loss float32) {
	p.step, p.loss = step, loss
	now := time.Now()
	switch {
	case p.tty && now.Sub(p.last) > 200*time.Millisecond:
		fmt.Fprintf(p.w, "\r\033[K%s", p.line())
	case !p.tty && (now.Sub(p.last) > 10*time.Second || step == p.first+1):
		fmt.Fprintln(p.w, p.line())
	default:
		return
	}
	p.last = now
}

// note prints a message on its own line without breaking the live line.
func (p *progress) note(msg string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s\n%s", msg, p.line())
		return
	}
	fmt.Fprintln(p.w, msg)
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s\n", p.line())
	} else {
		fmt.Fprintln(p.w, p.line())
	}
}
