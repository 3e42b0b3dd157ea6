package score

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
)

// The classifier is trained once per data set and kept in a safetensors
// file beside the run, so that evaluating during training does not retrain
// it each time. The path comes from the user (-classifier), so a mistake
// such as naming the run's checkpoint there must not cost them that file:
// only a file marked as one of our caches is ever replaced.

// cacheMark starts the "format" metadata of every classifier cache, of any
// version; a file without it is never overwritten.
const cacheMark = "ditgo-classifier"

// classifierFormat marks a classifier cache file; bump its version when the
// architecture changes, so that old caches are retrained.
const classifierFormat = cacheMark + "-v1"

// ErrNotCache is wrapped by the error for a cache path that holds something
// other than a classifier cache, which is left untouched.
var ErrNotCache = errors.New("not a classifier cache")

// Metadata keys of the cached test accuracy and the test set it was
// measured on.
const (
	keyTestFingerprint = "test_fingerprint"
	keyTestAccuracy    = "test_accuracy"
)

// LoadOrTrainClassifier returns the classifier cached at cachePath if it was
// trained on the same data (same image shape, classes and fingerprint of
// train), and otherwise trains one for classifierEpochs and caches it there.
// A missing cache, or a stale one (another data set or an older format), is
// retrained, with a line in log; an empty cachePath trains without caching.
// Anything else at cachePath — a checkpoint, a damaged file, a folder — is
// an error wrapping ErrNotCache, returned before training, and the file is
// left as it was. testAcc is the classifier's accuracy on test, which the
// cache also keeps (with test's fingerprint), since evaluating during
// training asks for it again and again.
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
		case errors.Is(err, ErrNotCache):
			return nil, 0, err
		default: // our own cache, out of date: replacing it loses nothing
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
// wraps fs.ErrNotExist when there is no file, and ErrNotCache when the file
// is not one of our caches (see notCache); any other error is for a cache
// of ours that is out of date, which may be replaced.
func loadClassifier(dev tensor.Device, path string, meta map[string]string) (*Classifier, map[string]string, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, notCache(path, "cannot stat it: %w", err)
	}
	if info.IsDir() {
		return nil, nil, notCache(path, "it is a folder")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, notCache(path, "cannot read it: %w", err)
	}
	// A damaged file is refused too, even one that was our cache: what it
	// was can no longer be told for sure.
	f, err := nn.Parse(b)
	if errors.Is(err, nn.ErrCorrupt) { // nn's own advice is about checkpoints; say it here
		return nil, nil, notCache(path, "a %w: its data does not match the checksum it was saved with", nn.ErrCorrupt)
	}
	if err != nil {
		return nil, nil, notCache(path, "unreadable as safetensors: %w", err)
	}
	if format := f.Metadata["format"]; !strings.HasPrefix(format, cacheMark) {
		if format == "" {
			return nil, nil, notCache(path, "no \"format\" %s mark in its metadata", cacheMark)
		}
		return nil, nil, notCache(path, "its \"format\" is %q, not a %s mark", format, cacheMark)
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

// notCache is the error for a path that holds something other than a
// classifier cache: it names the path, why it is not one, and what to do.
// reason is a format for args and may wrap an error with %w.
func notCache(path, reason string, args ...any) error {
	why := fmt.Errorf(reason, args...)
	return fmt.Errorf("score: %s is %w (%w); left untouched rather than overwritten: pass another -classifier file, or move this one away",
		path, ErrNotCache, why)
}
