package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// MNIST (LeCun et al., 1998) comes as four files in the IDX format, each
// optionally gzipped:
//
//	train-images-idx3-ubyte   60000 images of 28×28
//	train-labels-idx1-ubyte   60000 labels in 0..9
//	t10k-images-idx3-ubyte    10000 test images
//	t10k-labels-idx1-ubyte    10000 test labels
//
// An IDX file is a big-endian header followed by raw unsigned bytes:
//
//	images: magic 0x00000803, count, rows, cols (uint32 each), then
//	        count·rows·cols pixels, row-major, 0 = background, 255 = ink
//	labels: magic 0x00000801, count (uint32 each), then count labels

const (
	idxImageMagic = 0x00000803 // unsigned bytes, 3 dimensions
	idxLabelMagic = 0x00000801 // unsigned bytes, 1 dimension

	// maxIDXPixels bounds count·rows·cols before allocating, so a corrupt
	// header is reported instead of exhausting memory (MNIST has 4.7e7).
	maxIDXPixels = 1 << 31
)

// mnistHint ends every error about the files' contents.
const mnistHint = "-data must point at a folder in the MNIST IDX layout (train-images-idx3-ubyte[.gz] and the three others)"

// LoadMNIST reads the training set (train) or the test set (!train) of MNIST
// from dir. Pixels map 0..255 to [−1, 1] as p/127.5 − 1; the dataset has
// C=1, Classes=10 and Names "0".."9".
func LoadMNIST(dir string, train bool) (*Dataset, error) {
	prefix := "train"
	if !train {
		prefix = "t10k"
	}
	if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("MNIST folder %s does not exist; pass -data DIR with the MNIST IDX files, or leave -data out to use the copy in module %s", dir, mnistModule)
	} else if err != nil {
		return nil, fmt.Errorf("cannot read MNIST folder %s: %w", dir, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("MNIST folder %s is not a directory; %s", dir, mnistHint)
	}

	pixels, n, rows, cols, err := readIDXImages(filepath.Join(dir, prefix+"-images-idx3-ubyte"))
	if err != nil {
		return nil, err
	}
	labels, labelFile, err := readIDXLabels(filepath.Join(dir, prefix+"-labels-idx1-ubyte"))
	if err != nil {
		return nil, err
	}
	if len(labels) != n {
		return nil, fmt.Errorf("%s has %d labels but the image file beside it has %d images; the two files must come from the same MNIST set", labelFile, len(labels), n)
	}

	d := &Dataset{
		Images:  make([]float32, len(pixels)),
		Labels:  make([]int32, n),
		N:       n,
		C:       1,
		H:       rows,
		W:       cols,
		Classes: 10,
		Names:   []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		Source:  dir,
	}
	for i, p := range pixels {
		d.Images[i] = float32(p)/127.5 - 1 // 0 ↦ −1, 255 ↦ 1
	}
	for i, l := range labels {
		if l >= 10 {
			return nil, fmt.Errorf("%s: label %d of image %d is outside 0..9; the file is corrupt or not MNIST, %s", labelFile, l, i, mnistHint)
		}
		d.Labels[i] = int32(l)
	}
	return d, d.check()
}

// readIDXImages reads an IDX image file (plain, or gzipped under name+".gz")
// and returns its pixels, [n, rows, cols].
func readIDXImages(name string) (pixels []byte, n, rows, cols int, err error) {
	r, path, closer, err := openIDX(name)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	defer closer.Close()

	var hdr [4]uint32 // magic, count, rows, cols
	if err := binary.Read(r, binary.BigEndian, &hdr); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%s: cannot read the 16-byte IDX header: %w (truncated file?); %s", path, err, mnistHint)
	}
	if hdr[0] != idxImageMagic {
		return nil, 0, 0, 0, fmt.Errorf("%s: not an IDX image file (magic 0x%08x, want 0x%08x); %s", path, hdr[0], idxImageMagic, mnistHint)
	}
	n, rows, cols = int(hdr[1]), int(hdr[2]), int(hdr[3])
	if rows == 0 || cols == 0 || uint64(n)*uint64(rows)*uint64(cols) > maxIDXPixels {
		return nil, 0, 0, 0, fmt.Errorf("%s: header claims %d images of %d×%d, which is empty or too large (corrupt header?); %s", path, n, rows, cols, mnistHint)
	}
	pixels = make([]byte, n*rows*cols)
	if err := readAllOf(r, pixels, path, fmt.Sprintf("%d images of %d×%d", n, rows, cols)); err != nil {
		return nil, 0, 0, 0, err
	}
	return pixels, n, rows, cols, nil
}

// readIDXLabels reads an IDX label file (plain, or gzipped under name+".gz");
// it also returns the path it read, for messages.
func readIDXLabels(name string) (labels []byte, path string, err error) {
	r, path, closer, err := openIDX(name)
	if err != nil {
		return nil, "", err
	}
	defer closer.Close()

	var hdr [2]uint32 // magic, count
	if err := binary.Read(r, binary.BigEndian, &hdr); err != nil {
		return nil, "", fmt.Errorf("%s: cannot read the 8-byte IDX header: %w (truncated file?); %s", path, err, mnistHint)
	}
	if hdr[0] != idxLabelMagic {
		return nil, "", fmt.Errorf("%s: not an IDX label file (magic 0x%08x, want 0x%08x); %s", path, hdr[0], idxLabelMagic, mnistHint)
	}
	if hdr[1] > maxIDXPixels {
		return nil, "", fmt.Errorf("%s: header claims %d labels, too many (corrupt header?); %s", path, hdr[1], mnistHint)
	}
	labels = make([]byte, hdr[1])
	if err := readAllOf(r, labels, path, fmt.Sprintf("%d labels", hdr[1])); err != nil {
		return nil, "", err
	}
	return labels, path, nil
}

// readAllOf fills buf from r and checks that nothing follows: a short file is
// truncated, a long one is not what its header says.
func readAllOf(r io.Reader, buf []byte, path, what string) error {
	if got, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("%s: the header promises %s (%d bytes) but the file ends after %d: truncated file? (%v); download it again", path, what, len(buf), got, err)
	}
	if extra, err := io.Copy(io.Discard, r); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	} else if extra > 0 {
		return fmt.Errorf("%s: %d bytes follow the %s that the header promises; %s", path, extra, what, mnistHint)
	}
	return nil
}

// openIDX opens name, or name+".gz" if name does not exist, and returns a
// reader of the IDX bytes. Gzip is recognised by its magic bytes (1f 8b), not
// by the suffix, so a decompressed file that kept its .gz name still reads.
func openIDX(name string) (r io.Reader, path string, closer io.Closer, err error) {
	path = name
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		path = name + ".gz"
		f, err = os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", nil, fmt.Errorf("neither %s nor %s exists; %s", name, path, mnistHint)
		}
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, "", nil, fmt.Errorf("%s: corrupt gzip stream: %w; download the file again", path, err)
		}
		return gzipErrors{z, path}, path, f, nil
	}
	return br, path, f, nil
}

// gzipErrors names the file in errors from the gzip stream (a bad checksum
// or a cut-off stream shows up only at the end).
type gzipErrors struct {
	z    *gzip.Reader
	path string
}

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.z.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("corrupt gzip stream in %s: %w", g.path, err)
	}
	return n, err
}
