package main

import "fmt"

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
