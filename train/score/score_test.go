package score

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
)

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
