package score

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
)

// The evaluation classifier: a small MLP, trained with this engine, that
// scores generated samples. Its label for a sample gives the conditional
// accuracy ("is a sample drawn for class 3 a 3?"), and its penultimate
// activation is the feature space of the Fréchet distance (fid.go), in the
// role Inception-v3 plays for ImageNet FID.
//
//	x [B, C·H·W] → fc1 → GELU → fc2 → GELU = features [B, 128] → fc3 → logits [B, classes]

// Sizes and training defaults, each with its reason.
const (
	classifierHidden = 512 // fc1 width: ample for 28×28 digits, quick on a CPU
	featureDim       = 128 // fc2 width: the FID feature size; a 128×128 covariance is cheap and well estimated from a few hundred samples
	classifierBatch  = 128 // small enough for many updates per epoch
	classifierLR     = 1e-3
	classifierEpochs = 3    // an MLP on MNIST is near its best (~97% test accuracy) after 3 epochs
	predictBatch     = 256  // inference rows per graph; only bounds device memory
	fingerprintCount = 1000 // images hashed to recognise the training set
	classifierSeed   = 1    // fixed, so that every run's evaluation uses the same classifier
)

// Classifier is the MLP and the image shape it was trained for.
type Classifier struct {
	C, H, W, Classes int
	fc1, fc2, fc3    *nn.Linear
	params           nn.Params
	dev              tensor.Device
}

// newClassifier makes an untrained classifier with zero weights.
func newClassifier(dev tensor.Device, c, h, w, classes int) *Classifier {
	in := c * h * w
	m := &Classifier{
		C: c, H: h, W: w, Classes: classes, dev: dev,
		fc1: nn.NewLinear(dev, in, classifierHidden, true),
		fc2: nn.NewLinear(dev, classifierHidden, featureDim, true),
		fc3: nn.NewLinear(dev, featureDim, classes, true),
	}
	m.fc1.Register(&m.params, "fc1")
	m.fc2.Register(&m.params, "fc2")
	m.fc3.Register(&m.params, "fc3")
	return m
}

// forward maps flattened images x [B, C·H·W] to logits [B, classes] and the
// penultimate features [B, 128].
func (c *Classifier) forward(g *autograd.Graph, x *autograd.Var) (logits, features *autograd.Var) {
	h := g.GELU(c.fc1.Forward(g, x))       // [B, 512]
	features = g.GELU(c.fc2.Forward(g, h)) // [B, 128]
	return c.fc3.Forward(g, features), features
}

// Release frees the weights and their gradients.
func (c *Classifier) Release() { c.params.Release() }

// TrainClassifier trains a classifier on train with AdamW, reshuffling the
// images every epoch with a PCG generator seeded by seed, and writes one
// progress line per epoch to log.
func TrainClassifier(dev tensor.Device, train *data.Dataset, epochs int, seed uint64, log io.Writer) (*Classifier, error) {
	c := newClassifier(dev, train.C, train.H, train.W, train.Classes)
	r := rand.New(rand.NewPCG(seed, 0x636c6173)) // "clas": a second word for the stream
	c.fc1.InitXavier(r)
	c.fc2.InitXavier(r)
	c.fc3.InitXavier(r)
	opt := nn.NewAdamW(&c.params, classifierLR, 0)
	defer opt.Release()

	d := train.C * train.H * train.W
	x := make([]float32, classifierBatch*d) // [B, C·H·W], one minibatch
	y := make([]int32, classifierBatch)     // [B]
	for epoch := range epochs {
		start := time.Now()
		order := r.Perm(train.N)
		var sum float64
		steps := 0
		for lo := 0; lo < train.N; lo += classifierBatch {
			idx := order[lo:min(lo+classifierBatch, train.N)]
			nB := len(idx)
			for b, i := range idx {
				copy(x[b*d:(b+1)*d], train.Image(i))
				y[b] = train.Labels[i]
			}
			g := autograd.NewGraph()
			in := g.Const(g.Own(tensor.FromSlice(dev, x[:nB*d], nB, d)))
			logits, _ := c.forward(g, in)
			loss := crossEntropy(g, logits, y[:nB])
			g.Backward(loss)
			l, err := loss.Value.Item()
			g.Release()
			if err != nil {
				c.Release()
				return nil, fmt.Errorf("training the classifier, epoch %d: %w", epoch+1, err)
			}
			opt.Update()
			sum += float64(l)
			steps++
		}
		fmt.Fprintf(log, "classifier epoch %d/%d: loss %.4f (took %.1f s)\n", epoch+1, epochs, sum/float64(steps), time.Since(start).Seconds())
	}
	return c, nil
}

// Predict labels n flattened images [n, C, H, W] and returns their
// penultimate features [n, 128], row-major.
func (c *Classifier) Predict(images []float32, n int) (labels []int32, features []float64, err error) {
	d := c.C * c.H * c.W
	if len(images) != n*d {
		panic(fmt.Sprintf("Classifier.Predict: %d values for %d images of %d×%d×%d", len(images), n, c.C, c.H, c.W))
	}
	labels = make([]int32, n)
	features = make([]float64, 0, n*featureDim)
	for lo := 0; lo < n; lo += predictBatch {
		nB := min(predictBatch, n-lo)
		g := autograd.NewNoGradGraph()
		x := g.Const(g.Own(tensor.FromSlice(c.dev, images[lo*d:(lo+nB)*d], nB, d)))
		logits, feats := c.forward(g, x)
		z, rerr := logits.Value.ToHost() // [B, classes]
		var f []float64
		if rerr == nil {
			f, rerr = feats.Value.Float64s() // [B, 128]
		}
		g.Release()
		if rerr != nil {
			return nil, nil, fmt.Errorf("classifying images %d..%d: %w", lo, lo+nB, rerr)
		}
		for b := range nB {
			row := z[b*c.Classes : (b+1)*c.Classes]
			best := 0
			for k, v := range row {
				if v > row[best] {
					best = k
				}
			}
			labels[lo+b] = int32(best)
		}
		features = append(features, f...)
	}
	return labels, features, nil
}

// Accuracy is the share of d's images that the classifier labels correctly.
func (c *Classifier) Accuracy(d *data.Dataset) (float64, error) {
	if err := c.checkShape(d); err != nil {
		return 0, err
	}
	pred, _, err := c.Predict(d.Images, d.N)
	if err != nil {
		return 0, err
	}
	correct := 0
	for i, p := range pred {
		if p == d.Labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(d.N), nil
}

// checkShape reports a data set whose images the classifier was not made for.
func (c *Classifier) checkShape(d *data.Dataset) error {
	if d.C != c.C || d.H != c.H || d.W != c.W || d.Classes != c.Classes {
		return fmt.Errorf("%s has %d classes of %d×%d×%d images, but the classifier was trained on %d classes of %d×%d×%d",
			d.Source, d.Classes, d.C, d.H, d.W, c.Classes, c.C, c.H, c.W)
	}
	return nil
}
