package picture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A picture that cannot be written says so, names it as its caller does and
// names the file: here once
// in a folder that does not exist, and once over a folder of the same name,
// where the temporary file is written but cannot be renamed and must not
// be left behind.
func TestWritePNGErrors(t *testing.T) {
	dir := t.TempDir()
	taken := filepath.Join(dir, "taken.png")
	if err := os.Mkdir(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing", "out.png"), taken} {
		for what, err := range map[string]error{
			"test grid": WriteGrid(path, "test grid", []float32{0}, 1, 1, 1, 1, 1, 1),
			"chart":     WriteLoss(path, []int{1, 2}, []float64{1, 0.5}),
		} {
			if want := "cannot write " + what + " " + path + ": "; err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("%s to %s: error %v, want one that starts %q", what, path, err, want)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only taken.png and no temporary files", len(entries))
	}
}
