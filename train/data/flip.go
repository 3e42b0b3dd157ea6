package data

import "fmt"

// FlipHorizontal returns a mirrored copy of img, [c, h, w]: column x of each
// row becomes column w−1−x. The trainer uses it for random-flip augmentation.
func FlipHorizontal(img []float32, c, h, w int) []float32 {
	if len(img) != c*h*w {
		panic(fmt.Sprintf("FlipHorizontal: %d values for an image of %d×%d×%d", len(img), c, h, w))
	}
	out := make([]float32, len(img))
	for row := 0; row < c*h; row++ { // every row of every channel
		src, dst := img[row*w:(row+1)*w], out[row*w:(row+1)*w]
		for x := range w {
			dst[x] = src[w-1-x]
		}
	}
	return out
}
