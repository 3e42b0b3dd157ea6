package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/vae"
	"github.com/ditgo/ditgo/tensor"
)

// sample -vae: a latent diffusion model's samples are latents; the
// Stable Diffusion VAE's decoder turns them into images. The sampled
// latents are divided by the VAE's scaling factor (0.18215) first, as
// they were multiplied by it for training.

// loadVAE reads the VAE of -vae and checks that it takes the model's
// latents.
func loadVAE(dev tensor.Device, path string, latentChannels int) (*vae.Model, error) {
	m, err := vae.ReadFile(dev, path)
	if err != nil {
		return nil, fmt.Errorf("sample: -vae: %w", err)
	}
	if m.Config.LatentChannels != latentChannels {
		m.Release()
		return nil, fmt.Errorf("sample: -vae %s decodes latents of %d channels, and the model makes %d; is it the model's VAE?", path, m.Config.LatentChannels, latentChannels)
	}
	return m, nil
}

// decodeLatents decodes samples [B, C, h, w] one image at a time (a
// full-size decoder holds hundreds of MB of activations an image),
// printing a line for each, and returns the images and their shape.
func decodeLatents(dev tensor.Device, m *vae.Model, samples []float32, shape []int, stdout io.Writer) ([]float32, []int, error) {
	per := shape[1] * shape[2] * shape[3]
	var images []float32
	var imageShape []int
	scale := float32(1 / m.Config.ScalingFactor)
	for i := range shape[0] {
		start := time.Now()
		g := autograd.NewNoGradGraph()
		z := g.Own(tensor.FromSlice(dev, samples[i*per:(i+1)*per], 1, shape[1], shape[2], shape[3]))
		img := m.Decode(g, g.Const(g.Own(tensor.Scale(z, scale))))
		data, err := img.Value.ToHost()
		s := img.Value.Shape()
		g.Release()
		if err != nil {
			return nil, nil, fmt.Errorf("sample: decoding sample %d: %w%s", i+1, err, memoryHint(err))
		}
		images = append(images, data...)
		imageShape = []int{shape[0], s[1], s[2], s[3]}
		fmt.Fprintf(stdout, "decoded sample %d/%d to %d×%d×%d in %.1fs\n", i+1, shape[0], s[1], s[2], s[3], time.Since(start).Seconds())
	}
	return images, imageShape, nil
}
