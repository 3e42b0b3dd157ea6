package data

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dataset is a labelled image set held in memory, pixels scaled to [−1, 1]
// (the range the diffusion expects: 0 ↦ −1, 255 ↦ 1).
type Dataset struct {
	Images     []float32 // [N, C, H, W], row-major
	Labels     []int32   // [N], each in [0, Classes)
	N, C, H, W int
	Classes    int
	Names      []string // a name per class: folder names, or "0".."9" for MNIST
	Source     string   // where it was read from, for messages
}

// Image returns image i, [C, H, W].
func (d *Dataset) Image(i int) []float32 {
	n := d.C * d.H * d.W
	return d.Images[i*n : (i+1)*n]
}

// check verifies the invariants every loader must establish.
func (d *Dataset) check() error {
	if d.N == 0 {
		return fmt.Errorf("%s: no images", d.Source)
	}
	if len(d.Images) != d.N*d.C*d.H*d.W || len(d.Labels) != d.N {
		return fmt.Errorf("%s: %d pixels and %d labels for %d images of %d×%d×%d", d.Source, len(d.Images), len(d.Labels), d.N, d.C, d.H, d.W)
	}
	for i, l := range d.Labels {
		if l < 0 || int(l) >= d.Classes {
			return fmt.Errorf("%s: image %d has label %d, outside [0, %d)", d.Source, i, l, d.Classes)
		}
	}
	return nil
}

// Load reads the training set that the trainer's -data flag names:
//
//	""                          MNIST, from the GoMNIST module (DefaultMNISTDir)
//	a folder with MNIST's files  MNIST in the IDX layout (LoadMNIST)
//	any other folder            an image folder, read at size×size with
//	                            channels channels (LoadImageFolder)
func Load(dir string, size, channels int) (*Dataset, error) {
	if dir == "" {
		d, err := DefaultMNISTDir()
		if err != nil {
			return nil, err
		}
		return LoadMNIST(d, true)
	}
	if IsMNISTDir(dir) {
		return LoadMNIST(dir, true)
	}
	return LoadImageFolder(dir, size, channels)
}

// LoadHeldOut returns the images that an evaluation compares samples with,
// for the training set train that Load(dir, …) read: MNIST's test set when
// dir is MNIST, and train itself for an image folder, which has no test
// split.
func LoadHeldOut(dir string, train *Dataset) (*Dataset, error) {
	if dir != "" && !IsMNISTDir(dir) {
		return train, nil
	}
	if dir == "" {
		var err error
		if dir, err = DefaultMNISTDir(); err != nil {
			return nil, err
		}
	}
	return LoadMNIST(dir, false)
}

// IsMNISTDir reports whether dir holds the MNIST IDX training files.
func IsMNISTDir(dir string) bool {
	for _, name := range []string{"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}
