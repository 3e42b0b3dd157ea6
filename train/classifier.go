package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"strconv"
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

// crossEntropy returns the mean over rows of −log softmax(logits)[label]:
//
//	loss = 1/B Σ_b ( log Σ_j exp(z_bj − m_b) − (z_b,y_b − m_b) )
//
// for logits z [B, K] and labels [B]. m_b is the row's maximum, read on the
// host and subtracted as a constant, so that no exp overflows; the loss does
// not depend on it, so neither do the gradients (softmax − onehot) / B.
// The label's logit is picked by multiplying with a one-hot mask and summing
// each row.
func crossEntropy(g *autograd.Graph, logits *autograd.Var, labels []int32) *autograd.Var {
	if logits.Value.Rank() != 2 || len(labels) != logits.Value.Dim(0) {
		panic(fmt.Sprintf("crossEntropy: logits %v and %d labels, want [B, K] and B labels", logits.Value.Shape(), len(labels)))
	}
	nB, nK := logits.Value.Dim(0), logits.Value.Dim(1)
	// A failed read leaves the maxima at 0: the device keeps its error and
	// reports it when the caller reads the loss.
	z, _ := logits.Value.ToHost()
	rowMax := make([]float32, nB)    // [B]
	oneHot := make([]float32, nB*nK) // [B, K]
	for b, y := range labels {
		if y < 0 || int(y) >= nK {
			panic(fmt.Sprintf("crossEntropy: label %d of row %d outside [0, %d)", y, b, nK))
		}
		if z != nil {
			rowMax[b] = float32(math.Inf(-1))
			for _, v := range z[b*nK : (b+1)*nK] {
				rowMax[b] = max(rowMax[b], v)
			}
		}
		oneHot[b*nK+int(y)] = 1
	}
	dev := logits.Value.Device()
	m := g.Const(g.Own(tensor.FromSlice(dev, rowMax, nB, 1)))
	mask := g.Const(g.Own(tensor.FromSlice(dev, oneHot, nB, nK)))

	shifted := g.Sub(logits, m)                  // [B, K], each row's max is 0
	logSumExp := g.Log(g.Sum(g.Exp(shifted), 1)) // [B]
	picked := g.Sum(g.Mul(shifted, mask), 1)     // [B], z_y − m
	return g.Mean(g.Sub(logSumExp, picked))      // scalar
}

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

// ---------------------------------------------------------------------------
// The cache
// ---------------------------------------------------------------------------

// classifierFormat marks a classifier cache file; bump it when the
// architecture changes, so that old caches are retrained.
const classifierFormat = "ditgo-classifier-v1"

// Metadata keys of the cached test accuracy and the test set it was
// measured on.
const (
	keyTestFingerprint = "test_fingerprint"
	keyTestAccuracy    = "test_accuracy"
)

// LoadOrTrainClassifier returns the classifier cached at cachePath if it was
// trained on the same data (same image shape, classes and fingerprint of
// train), and otherwise trains one for classifierEpochs and caches it there.
// A missing, stale or corrupt cache is retrained, with a line in log; an
// empty cachePath trains without caching. testAcc is the classifier's
// accuracy on test, which the cache also keeps (with test's fingerprint),
// since evaluating during training asks for it again and again.
func LoadOrTrainClassifier(dev tensor.Device, train, test *data.Dataset, cachePath string, log io.Writer) (c *Classifier, testAcc float64, err error) {
	meta := map[string]string{
		"format":      classifierFormat,
		"c":           strconv.Itoa(train.C),
		"h":           strconv.Itoa(train.H),
		"w":           strconv.Itoa(train.W),
		"classes":     strconv.Itoa(train.Classes),
		"fingerprint": fingerprint(train),
	}
	testPrint := fingerprint(test)
	if cachePath != "" {
		var stored map[string]string
		c, stored, err = loadClassifier(dev, cachePath, meta)
		switch {
		case err == nil:
			fmt.Fprintf(log, "classifier: loaded %s\n", cachePath)
			if stored[keyTestFingerprint] == testPrint {
				if acc, err := strconv.ParseFloat(stored[keyTestAccuracy], 64); err == nil {
					return c, acc, nil
				}
			}
			if testAcc, err = c.Accuracy(test); err != nil {
				c.Release()
				return nil, 0, err
			}
			return c, testAcc, nil
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(log, "classifier: no cache at %s, training one (%d epochs)\n", cachePath, classifierEpochs)
		default:
			fmt.Fprintf(log, "classifier: %v; retraining\n", err)
		}
	}

	if c, err = TrainClassifier(dev, train, classifierEpochs, classifierSeed, log); err != nil {
		return nil, 0, err
	}
	if testAcc, err = c.Accuracy(test); err != nil {
		c.Release()
		return nil, 0, err
	}
	if cachePath != "" {
		meta[keyTestFingerprint] = testPrint
		meta[keyTestAccuracy] = strconv.FormatFloat(testAcc, 'g', -1, 64)
		if err := saveClassifier(c, cachePath, meta); err != nil {
			// Not fatal: the classifier is in memory, only the next run
			// pays for training again.
			fmt.Fprintf(log, "classifier: could not cache it: %v\n", err)
		}
	}
	return c, testAcc, nil
}

// fingerprint identifies a training set cheaply: an FNV-1a hash of N, the
// shape and the first fingerprintCount images with their labels.
func fingerprint(d *data.Dataset) string {
	h := fnv.New64a()
	var buf [4]byte
	word := func(v uint32) {
		binary.LittleEndian.PutUint32(buf[:], v)
		h.Write(buf[:])
	}
	for _, v := range []int{d.N, d.C, d.H, d.W, d.Classes} {
		word(uint32(v))
	}
	n := min(d.N, fingerprintCount)
	for _, v := range d.Images[:n*d.C*d.H*d.W] {
		word(math.Float32bits(v))
	}
	for _, l := range d.Labels[:n] {
		word(uint32(l))
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// saveClassifier writes the weights and meta as a safetensors file,
// atomically.
func saveClassifier(c *Classifier, path string, meta map[string]string) error {
	ts, err := c.params.Tensors("")
	if err != nil {
		return err
	}
	return nn.WriteFile(path, ts, meta)
}

// loadClassifier reads a cache file whose metadata must agree with meta,
// and returns the classifier with all of the file's metadata. The error
// wraps fs.ErrNotExist when there is no file.
func loadClassifier(dev tensor.Device, path string, meta map[string]string) (*Classifier, map[string]string, error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	for k, want := range meta {
		if got := f.Metadata[k]; got != want {
			return nil, nil, fmt.Errorf("cache %s was made for other data or another classifier (%s %q, want %q)", path, k, got, want)
		}
	}
	atoi := func(k string) int { v, _ := strconv.Atoi(meta[k]); return v }
	c := newClassifier(dev, atoi("c"), atoi("h"), atoi("w"), atoi("classes"))
	if err := c.params.Load(f, ""); err != nil {
		c.Release()
		return nil, nil, fmt.Errorf("cache %s: %w", path, err)
	}
	return c, f.Metadata, nil
}
