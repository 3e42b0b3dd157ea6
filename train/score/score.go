package score

import (
	"fmt"

	"github.com/ditgo/ditgo/train/data"
)

// Scores are the numbers an evaluation reports for a set of class-
// conditional samples.
type Scores struct {
	// Accuracy is the share of samples that the classifier assigns to the
	// class they were drawn for: does the model follow its conditioning?
	Accuracy float64 `json:"cond_acc"`
	// FID is the Fréchet distance between the classifier's penultimate
	// features of the samples and of real test images: do the samples look
	// like the data, in quality and in variety? Lower is better.
	FID float64 `json:"fid"`
	// ClassifierTestAcc is the classifier's own accuracy on the test set,
	// the ceiling that Accuracy can be read against.
	ClassifierTestAcc float64 `json:"classifier_test_acc"`
	Samples           int     `json:"samples"`
}

func (s Scores) String() string {
	return fmt.Sprintf("cond-acc %.1f%%  FID %.1f  (classifier test acc %.1f%%, %d samples)",
		100*s.Accuracy, s.FID, 100*s.ClassifierTestAcc, s.Samples)
}

// Score classifies samples [n, C, H, W], drawn for labels [n], and compares
// their features with those of realCount images of real (all of them when
// realCount is 0 or more than real has).
//
// The reference images are spread evenly over real rather than taken from
// its start, because a data set's order need not be random: the first half
// of the MNIST test set comes from other writers than the second, and the
// FID between those halves is several times the FID between random subsets.
func Score(c *Classifier, samples []float32, labels []int32, real *data.Dataset, realCount int, classifierTestAcc float64) (Scores, error) {
	if err := c.checkShape(real); err != nil {
		return Scores{}, err
	}
	n := len(labels)
	if n < 2 {
		return Scores{}, fmt.Errorf("scoring %d samples: need at least 2 for the FID", n)
	}
	pred, fake, err := c.Predict(samples, n)
	if err != nil {
		return Scores{}, fmt.Errorf("scoring the samples: %w", err)
	}
	correct := 0
	for i, p := range pred {
		if p == labels[i] {
			correct++
		}
	}

	if realCount <= 0 || realCount > real.N {
		realCount = real.N
	}
	d := real.C * real.H * real.W
	images := make([]float32, 0, realCount*d) // [realCount, C, H, W]
	for i := range realCount {
		images = append(images, real.Image(i*real.N/realCount)...)
	}
	_, ref, err := c.Predict(images, realCount)
	if err != nil {
		return Scores{}, fmt.Errorf("scoring the real images: %w", err)
	}
	fid, err := FrechetDistance(fake, ref, featureDim)
	if err != nil {
		return Scores{}, err
	}
	return Scores{
		Accuracy:          float64(correct) / float64(n),
		FID:               fid,
		ClassifierTestAcc: classifierTestAcc,
		Samples:           n,
	}, nil
}
