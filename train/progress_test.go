package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// img/s and the ETA count training time only: 10 images in 10 s, of which
// 9 s went to a grid, is 10 img/s, not 1.
func TestProgressSetsSideWorkAside(t *testing.T) {
	p := newProgress(io.Discard, 20, 1, 0)
	p.start = time.Now().Add(-10 * time.Second)
	p.setAside(9 * time.Second)
	p.update(10, 0.5)
	if r := p.imagesPerSecond(); r < 9.5 || r > 10.5 {
		t.Errorf("%.2f img/s, want 10", r)
	}
	if line := p.line(); !strings.Contains(line, "ETA 1s") {
		t.Errorf("line %q, want an ETA of 1s (10 steps left at 0.1 s)", line)
	}
}

// Written to a file or a pipe, progress and bench use whole lines, never a
// bare \r that runs lines together.
func TestNoCarriageReturnOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 3, 1, 0)
	p.update(1, 0.5)
	p.note("a note")
	p.done()
	var bench bytes.Buffer
	if err := dispatch([]string{"bench", "-model", "DiT-Micro/4", "-batch", "1", "-steps", "2", "-warmup", "1", "-device", "cpu"}, io.Discard, &bench); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"progress": buf.String(), "bench": bench.String()} {
		if strings.Contains(out, "\r") || !strings.HasSuffix(out, "\n") {
			t.Errorf("%s wrote %q to a buffer", name, out)
		}
	}
	if n := strings.Count(bench.String(), "\n"); n != 3 {
		t.Errorf("bench wrote %d lines for 3 steps: %q", n, bench.String())
	}
}
