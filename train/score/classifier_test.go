package score

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
)

// halvesDataset makes n 8×8 images in two classes: class 0 is bright on the
// left half, class 1 on the right, both under Gaussian noise.
func halvesDataset(n int, seed uint64) *data.Dataset {
	const side = 8
	r := rand.New(rand.NewPCG(seed, 7))
	d := &data.Dataset{N: n, C: 1, H: side, W: side, Classes: 2, Names: []string{"left", "right"}, Source: "halves"}
	for i := range n {
		label := int32(i % 2)
		d.Labels = append(d.Labels, label)
		for range side {
			for x := range side {
				v := -0.5
				if (x < side/2) == (label == 0) {
					v = 0.5
				}
				d.Images = append(d.Images, float32(v+0.5*r.NormFloat64()))
			}
		}
	}
	return d
}

func TestTrainClassifierSynthetic(t *testing.T) {
	dev := tensor.NewCPU()
	start := dev.LiveBuffers()
	train, test := halvesDataset(200, 1), halvesDataset(100, 2)
	var log bytes.Buffer
	c, err := TrainClassifier(dev, train, 5, 42, &log)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := c.Accuracy(test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out accuracy %.1f%%; log:\n%s", 100*acc, log.String())
	if acc < 0.95 {
		t.Errorf("held-out accuracy %.3f, want ≥ 0.95", acc)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "classifier epoch 1/5: loss ") {
		t.Errorf("progress log %q, want 5 lines like \"classifier epoch 1/5: loss 0.31\"", log.String())
	}

	labels, feats, err := c.Predict(test.Images[:3*64], 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 3 || len(feats) != 3*featureDim {
		t.Errorf("Predict of 3 images: %d labels, %d features, want 3 and %d", len(labels), len(feats), 3*featureDim)
	}

	c.Release()
	if got := dev.LiveBuffers(); got != start {
		t.Errorf("%d live buffers after training and Release, want %d", got, start)
	}
}
