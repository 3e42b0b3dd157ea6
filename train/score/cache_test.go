package score

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
)

func TestClassifierCache(t *testing.T) {
	dev := tensor.NewCPU()
	start := dev.LiveBuffers()
	train, test := halvesDataset(200, 1), halvesDataset(100, 2)
	path := filepath.Join(t.TempDir(), "classifier.safetensors")

	run := func(train *data.Dataset, wantLog string) (*Classifier, float64, []int32, []float64) {
		t.Helper()
		var log bytes.Buffer
		c, acc, err := LoadOrTrainClassifier(dev, train, test, path, &log)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), wantLog) {
			t.Fatalf("log %q, want it to contain %q", log.String(), wantLog)
		}
		labels, feats, err := c.Predict(test.Images, test.N)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("test accuracy %.1f%%; log: %s", 100*acc, log.String())
		return c, acc, labels, feats
	}

	c1, acc1, labels1, feats1 := run(train, "no cache at")
	c1.Release()
	c2, acc2, labels2, feats2 := run(train, "loaded")
	c2.Release()
	if !slices.Equal(labels1, labels2) || !slices.Equal(feats1, feats2) {
		t.Error("the cached classifier predicts differently from the one that was saved")
	}
	if acc1 != acc2 {
		t.Errorf("test accuracy %v after training, %v from the cache", acc1, acc2)
	}
	// Another test set: the cached accuracy does not apply and is measured.
	other := halvesDataset(50, 4)
	var log bytes.Buffer
	c, acc, err := LoadOrTrainClassifier(dev, train, other, path, &log)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := c.Accuracy(other); acc != want {
		t.Errorf("accuracy %v on another test set, want %v", acc, want)
	}
	c.Release()

	// Other training data: the cache is stale and is replaced.
	c3, _, _, _ := run(halvesDataset(200, 3), "other data")
	c3.Release()

	// A cache of ours from an older format version is replaced too. (The
	// cache is now of the data of seed 3, so only the format differs.)
	train = halvesDataset(200, 3)
	f, err := nn.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Metadata["format"] = cacheMark + "-v0"
	if err := nn.WriteFile(path, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	c4, _, _, _ := run(train, `(format "ditgo-classifier-v0", want "ditgo-classifier-v1"); retraining`)
	c4.Release()
	c5, _, _, _ := run(train, "loaded")
	c5.Release()

	if got := dev.LiveBuffers(); got != start {
		t.Errorf("%d live buffers after Release, want %d", got, start)
	}
}

// A -classifier path that names anything but a classifier cache — a user
// pointing it at the run's checkpoint, say — is an error before any
// training, and the file is not touched.
func TestClassifierCacheLeavesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	encode := func(meta map[string]string) []byte {
		t.Helper()
		b, err := nn.Encode([]nn.Tensor{
			{Name: "pos_embed", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
			{Name: "ema.pos_embed", Shape: []int{2, 3}, Data: []float32{6, 5, 4, 3, 2, 1}},
		}, meta)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Like a training checkpoint: tensors and metadata, but no format mark.
	checkpoint := encode(map[string]string{"config": `{"depth":2}`, "adam_step": "100"})
	// A file with our mark whose data was damaged: what it was is no longer
	// certain, so it is refused as well.
	corrupt := encode(map[string]string{"format": classifierFormat})
	corrupt[len(corrupt)-1] ^= 0x40
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}

	dev := tensor.NewCPU()
	train, test := halvesDataset(20, 1), halvesDataset(10, 2)
	for _, c := range []struct {
		name, path string
		want       string // in the error, besides the path
	}{
		{"checkpoint", write("checkpoint.safetensors", checkpoint), `no "format" ditgo-classifier mark`},
		{"another format", write("other.safetensors", encode(map[string]string{"format": "someone-else-v1"})), `"someone-else-v1"`},
		{"garbage", write("garbage.safetensors", []byte("not a safetensors file")), "unreadable"},
		{"truncated", write("truncated.safetensors", checkpoint[:len(checkpoint)/2]), "truncated"},
		{"corrupt", write("corrupt.safetensors", corrupt), "a corrupt file"},
		{"folder", folder, "folder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := os.ReadFile(c.path)
			var log bytes.Buffer
			clf, _, err := LoadOrTrainClassifier(dev, train, test, c.path, &log)
			if err == nil {
				clf.Release()
				t.Fatalf("no error; log %q", log.String())
			}
			msg := err.Error()
			if !errors.Is(err, ErrNotCache) {
				t.Errorf("error %q does not wrap ErrNotCache", msg)
			}
			for _, want := range []string{c.path, "not a classifier cache", "untouched", "-classifier", c.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q spans lines", msg)
			}
			if log.Len() != 0 {
				t.Errorf("log %q, want nothing: no training before the error", log.String())
			}
			if after, _ := os.ReadFile(c.path); !bytes.Equal(before, after) {
				t.Errorf("the file changed: %d bytes before, %d after", len(before), len(after))
			}
			t.Logf("the error: %v", err)
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 6 {
		t.Errorf("the folder holds %d entries, want the 6 written", len(entries))
	}
	if entries, _ := os.ReadDir(folder); len(entries) != 0 {
		t.Errorf("the folder at the cache path holds %d entries, want 0", len(entries))
	}
}
