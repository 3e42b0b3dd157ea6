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
type progress struct {
	w           io.Writer
	tty         bool
	total       int
	batch       int
	first       int // the step the run (or resume) started at
	start, last time.Time
	step        int
	loss        float32
}

func newProgress(w io.Writer, total, batch, first int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &progress{w: w, tty: tty, total: total, batch: batch, first: first, start: now, step: first}
}

func (p *progress) elapsed() time.Duration { return time.Since(p.start) }

func (p *progress) imagesPerSecond() float64 {
	s := p.elapsed().Seconds()
	if s == 0 {
		return 0
	}
	return float64((p.step-p.first)*p.batch) / s
}

func (p *progress) line() string {
	eta := "?"
	if done := p.step - p.first; done > 0 {
		left := time.Duration(float64(p.elapsed()) / float64(done) * float64(p.total-p.step))
		eta = left.Round(time.Second).String()
	}
	return fmt.Sprintf("step %d/%d | loss %.4f | %.1f img/s | ETA %s", p.step, p.total, p.loss, p.imagesPerSecond(), eta)
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
