package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/ditgo/ditgo/nn"
)

// writePNG encodes img, with the mark of mark.go, to path atomically
// (nn.WriteAtomic), so a viewer never sees half a picture. what names the picture in errors ("sample
// grid").
func writePNG(path string, img image.Image, what string) error {
	var encoded bytes.Buffer
	if err := png.Encode(&encoded, img); err != nil {
		return fmt.Errorf("cannot write %s %s: %w", what, path, err)
	}
	if err := nn.WriteAtomic(path, addMark(encoded.Bytes(), what)); err != nil {
		return fmt.Errorf("cannot write %s %s: %w", what, path, err)
	}
	return nil
}
