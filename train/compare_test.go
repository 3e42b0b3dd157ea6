package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/train/picture"
)

// writeMetrics writes a metrics.jsonl of n logged steps in dir, with an
// evaluation at the end when acc is not empty, and a last line cut short.
func writeMetrics(t *testing.T, dir string, n int, acc string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(`{"step":` + itoa(10*i) + `,"loss":0.5,"mse":0.4,"vb":0.1,"img_per_s":300,"elapsed_s":1}` + "\n")
	}
	if acc != "" {
		b.WriteString(`{"step":` + itoa(10*n) + `,"eval":{"cond_acc":` + acc + `,"fid":20,"classifier_test_acc":0.96,"samples":100}}` + "\n")
	}
	b.WriteString(`{"step":99999,"loss":0.`)
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// compare reads each run (a folder or its metrics.jsonl), names it with its
// last evaluation, skips a line cut short, writes a marked chart, runs
// again over its own chart, and refuses a file it did not write.
func TestCompare(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeMetrics(t, a, 120, "0.915")
	writeMetrics(t, b, 60, "")
	png := filepath.Join(dir, "cmp.png")
	var out bytes.Buffer
	args := []string{"-runs", a + "," + filepath.Join(b, "metrics.jsonl"), "-png", png}
	if err := compareCommand(args, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{a + " (cond-acc 91.5% at step 1200): 120 logged steps", b + ": 60 logged steps", "wrote " + png} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
	if ok, err := picture.Made(png, compareKind); err != nil || !ok {
		t.Fatalf("the chart is not marked as compare's: %v, %v", ok, err)
	}
	if err := compareCommand(args, &out, &out); err != nil {
		t.Errorf("a second run over its own chart: %v", err)
	}
	notes := filepath.Join(dir, "notes.png")
	os.WriteFile(notes, []byte("mine"), 0o644)
	err := compareCommand([]string{"-runs", a, "-png", notes}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("over a file compare did not write: %v", err)
	}
	if got, _ := os.ReadFile(notes); string(got) != "mine" {
		t.Errorf("the file was changed: %q", got)
	}
	writeMetrics(t, filepath.Join(dir, "c"), 1, "")
	if err := compareCommand([]string{"-runs", filepath.Join(dir, "c"), "-png", png}, &out, &out); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("a run of one logged step: %v", err)
	}
}
