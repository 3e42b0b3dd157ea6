package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
)

// writePNG encodes img, with the mark of mark.go, to path atomically: into
// a temporary file in the same folder, then renamed over path, so a viewer
// never sees half a picture. what names the picture in errors ("sample
// grid").
func writePNG(path string, img image.Image, what string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("cannot write %s %s: %w", what, path, err)
		}
	}()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var encoded bytes.Buffer
	if err = png.Encode(&encoded, img); err != nil {
		return err
	}
	if _, err = tmp.Write(addMark(encoded.Bytes(), what)); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil { // CreateTemp makes it private (0600)
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
