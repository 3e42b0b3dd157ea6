package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
)

// crossEntropyRef is the loss and its gradient computed directly in float64:
// loss = 1/B Σ_b (log Σ_j e^{z_bj} − z_b,y), ∂loss/∂z_bj = (softmax_bj − [j = y_b]) / B.
func crossEntropyRef(z []float64, labels []int32, nK int) (loss float64, grad []float64) {
	nB := len(labels)
	grad = make([]float64, len(z))
	for b, y := range labels {
		row := z[b*nK : (b+1)*nK]
		m := slices.Max(row)
		var s float64
		for _, v := range row {
			s += math.Exp(v - m)
		}
		loss += (m + math.Log(s) - row[y]) / float64(nB)
		for j, v := range row {
			grad[b*nK+j] = math.Exp(v-m) / s / float64(nB)
		}
		grad[b*nK+int(y)] -= 1 / float64(nB)
	}
	return loss, grad
}

// crossEntropyGraph runs crossEntropy on the float64 CPU device and returns
// the loss and ∂loss/∂logits.
func crossEntropyGraph(z []float64, labels []int32, nK int) (float64, []float64) {
	dev := tensor.NewCPU64()
	logits := autograd.Param(tensor.FromFloat64(dev, z, len(labels), nK))
	g := autograd.NewGraph()
	loss := crossEntropy(g, logits, labels)
	g.Backward(loss)
	l, _ := loss.Value.Float64s()
	grad, _ := logits.Grad.Float64s()
	g.Release()
	logits.Value.Release()
	logits.Grad.Release()
	return l[0], grad
}

func TestCrossEntropyValueAndGradient(t *testing.T) {
	const nK = 4
	z := []float64{
		0, 0, 0, 0, // uniform: loss log 4, by hand
		1, -2, 0.5, 3,
		-0.3, 0.7, 2, -1,
		1000, 1001, 999, 1000.5, // e^1000 overflows without the max shift
	}
	labels := []int32{2, 3, 0, 1}
	got, grad := crossEntropyGraph(z, labels, nK)
	want, wantGrad := crossEntropyRef(z, labels, nK)
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("loss = %.15g, want %.15g", got, want)
	}
	for i := range grad {
		if math.Abs(grad[i]-wantGrad[i]) > 1e-12 {
			t.Fatalf("∂loss/∂z[%d] = %.15g, want %.15g", i, grad[i], wantGrad[i])
		}
	}

	// The uniform row alone, by hand: −log(1/4).
	if l, _ := crossEntropyGraph(z[:nK], labels[:1], nK); math.Abs(l-math.Log(4)) > 1e-12 {
		t.Fatalf("loss of uniform logits = %.15g, want log 4 = %.15g", l, math.Log(4))
	}

	// Central differences of the op itself, on the rows of moderate size.
	small, smallLabels := z[:3*nK], labels[:3]
	_, g0 := crossEntropyGraph(small, smallLabels, nK)
	const h = 1e-6
	for i := range small {
		plus, minus := slices.Clone(small), slices.Clone(small)
		plus[i] += h
		minus[i] -= h
		lp, _ := crossEntropyGraph(plus, smallLabels, nK)
		lm, _ := crossEntropyGraph(minus, smallLabels, nK)
		if fd := (lp - lm) / (2 * h); math.Abs(fd-g0[i]) > 1e-7 {
			t.Fatalf("∂loss/∂z[%d] = %.10g, central difference %.10g", i, g0[i], fd)
		}
	}
}

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

func TestScore(t *testing.T) {
	dev := tensor.NewCPU()
	train, test := halvesDataset(200, 1), halvesDataset(200, 2)
	c, err := TrainClassifier(dev, train, 5, 42, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()

	// Samples that are real images of the other half of the test set, with
	// their true labels: accurate, and close to the reference in FID.
	half := 100 * 64
	real := &data.Dataset{N: 100, C: 1, H: 8, W: 8, Classes: 2, Images: test.Images[:half], Labels: test.Labels[:100], Source: "halves"}
	good, err := Score(c, test.Images[half:], test.Labels[100:], real, 0, 0.99)
	if err != nil {
		t.Fatal(err)
	}
	// The same images drawn for the wrong labels, and pure noise.
	wrong := make([]int32, 100)
	for i, l := range test.Labels[100:] {
		wrong[i] = 1 - l
	}
	mislabelled, err := Score(c, test.Images[half:], wrong, real, 0, 0.99)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	noise := make([]float32, half)
	for i := range noise {
		noise[i] = float32(r.NormFloat64())
	}
	noisy, err := Score(c, noise, test.Labels[100:], real, 0, 0.99)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("real: %v\nmislabelled: %v\nnoise: %v", good, mislabelled, noisy)

	if good.Accuracy < 0.95 || mislabelled.Accuracy > 0.05 {
		t.Errorf("accuracy %.3f for true labels and %.3f for swapped ones, want ≥ 0.95 and ≤ 0.05", good.Accuracy, mislabelled.Accuracy)
	}
	if good.FID != mislabelled.FID || noisy.FID < 10*good.FID {
		t.Errorf("FID %.3g for real images, %.3g for the same mislabelled, %.3g for noise: want the first two equal and noise ≥ 10× larger", good.FID, mislabelled.FID, noisy.FID)
	}
	s := Scores{Accuracy: 0.931, FID: 12.44, ClassifierTestAcc: 0.979, Samples: 500}.String()
	if want := "cond-acc 93.1%  FID 12.4  (classifier test acc 97.9%, 500 samples)"; s != want {
		t.Errorf("Scores.String() = %q, want %q", s, want)
	}
}
