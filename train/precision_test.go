package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ditgo/ditgo/nn"
)

// A -precision fp16 run scales its loss: every metrics line carries the
// loss scale (2¹⁶ to start, as PyTorch's GradScaler) and the steps
// skipped, the checkpoint saves the scaler, and a run resumed from it
// takes exactly the steps of the uninterrupted one.
func TestFP16Run(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 30)
	whole, _ := checkResumeExact(t, dir, 4, func(out string, steps int) []string {
		return append(tinyArgs(data, out, steps), "-precision", "fp16", "-lr-schedule", "constant")
	})
	f, err := nn.ReadFile(checkpointPath(whole))
	if err != nil {
		t.Fatal(err)
	}
	var st runState
	if err := json.Unmarshal([]byte(f.Metadata[keyState]), &st); err != nil {
		t.Fatal(err)
	}
	if s := st.LossScale; s == nil || s.Scale != 1<<16 || s.GrowthInterval != 2000 || s.Clean != 8 || s.Skipped != 0 {
		t.Errorf("checkpoint's loss scaler %+v: want scale 2¹⁶, growth interval 2000, 8 clean steps, none skipped", s)
	}
	m, err := os.Open(filepath.Join(whole, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	lines := 0
	for sc := bufio.NewScanner(m); sc.Scan(); lines++ {
		var l metricLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if l.LossScale != 1<<16 {
			t.Errorf("metrics line %s: want loss_scale 65536", sc.Text())
		}
	}
	if lines != 8 {
		t.Errorf("%d metrics lines, want 8", lines)
	}
}
