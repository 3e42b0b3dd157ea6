package score

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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

	// A corrupt file is retrained, not fatal.
	if err := os.WriteFile(path, []byte("not a safetensors file"), 0o644); err != nil {
		t.Fatal(err)
	}
	c4, _, _, _ := run(train, "retraining")
	c4.Release()
	c5, _, _, _ := run(train, "loaded")
	c5.Release()

	if got := dev.LiveBuffers(); got != start {
		t.Errorf("%d live buffers after Release, want %d", got, start)
	}
}
