package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/vae"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/train/data"
)

// Latent training (-vae): the model learns the Stable Diffusion VAE's
// latents instead of pixels, as the DiT paper's models do. The data set is
// encoded once, each image (and, with -flip, its mirror image) to the mean
// and standard deviation of its latent, and kept in a cache file that later
// runs reuse. Every step then draws a fresh latent z = mean + std·ε for
// each image, scaled by the VAE's scaling factor, as the public training
// code does. The grids are decoded through the VAE.

// latents is the encoded data set: image k's latent mean and standard
// deviation at index k, its mirror image's at n + k (with -flip).
type latents struct {
	mean, std  []float32 // [M, C, h, w]
	n, c, h, w int
	flips      bool
	scale      float32
}

// latentShape is the data set as the model sees it with the VAE: latent
// channels at an eighth (Downscale) of the side. Only the shape and labels.
func latentShape(ds *data.Dataset, c vae.Config) *data.Dataset {
	l := *ds
	l.Images = nil
	l.C, l.H, l.W = c.LatentChannels, ds.H/c.Downscale(), ds.W/c.Downscale()
	return &l
}

// checkVAEFits refuses a VAE that cannot encode the data.
func checkVAEFits(ds *data.Dataset, c vae.Config, path string) error {
	switch {
	case ds.C != c.InChannels:
		return fmt.Errorf("-vae %s encodes %d-channel images and the data has %d (use -channels %d)", path, c.InChannels, ds.C, c.InChannels)
	case ds.H%c.Downscale() != 0 || ds.W%c.Downscale() != 0:
		return fmt.Errorf("-vae %s: the images are %d×%d, and its latents need a side that %d divides (use -image-size)", path, ds.H, ds.W, c.Downscale())
	}
	return nil
}

// latentCachePath is where the encoded data set of key is kept: in a
// latent-cache folder next to the run folder, so that the runs of a folder
// share it.
func latentCachePath(out, key string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(out)), "latent-cache", key+".safetensors")
}

// latentKey names an encoding: the VAE file's bytes and everything about
// the images that changes their latents.
func latentKey(vaePath string, ds *data.Dataset, flips bool) (string, error) {
	f, err := os.Open(vaePath)
	if err != nil {
		return "", fmt.Errorf("-vae: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("-vae %s: %w", vaePath, err)
	}
	fmt.Fprintf(h, "|%s|%d %d×%d×%d|flips %v", ds.Source, ds.N, ds.C, ds.H, ds.W, flips)
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// loadLatents returns the encoded data set from its cache, or encodes it
// with m (a batch at a time, printing progress) and writes the cache.
func loadLatents(dev tensor.Device, m *vae.Model, vaePath string, ds *data.Dataset, flips bool, out string, stdout io.Writer) (*latents, error) {
	key, err := latentKey(vaePath, ds, flips)
	if err != nil {
		return nil, err
	}
	l := &latents{n: ds.N, c: m.Config.LatentChannels, h: ds.H / m.Config.Downscale(), w: ds.W / m.Config.Downscale(),
		flips: flips, scale: float32(m.Config.ScalingFactor)}
	count := ds.N
	if flips {
		count *= 2
	}
	shape := []int{count, l.c, l.h, l.w}
	path := latentCachePath(out, key)
	if f, err := nn.ReadFile(path); err == nil && f.Metadata["latent_key"] == key {
		mean, ok1 := f.Get("mean")
		std, ok2 := f.Get("std")
		if ok1 && ok2 && slices.Equal(mean.Shape, shape) && slices.Equal(std.Shape, shape) {
			l.mean, l.std = mean.Data, std.Data
			fmt.Fprintf(stdout, "latents: %d from the cache %s\n", count, path)
			return l, nil
		}
	}
	start := time.Now()
	const batch = 16
	per := ds.C * ds.H * ds.W
	for lo := 0; lo < count; lo += batch {
		hi := min(lo+batch, count)
		imgs := make([]float32, 0, (hi-lo)*per)
		for k := lo; k < hi; k++ {
			img := ds.Image(k % ds.N)
			if k >= ds.N {
				img = data.FlipHorizontal(img, ds.C, ds.H, ds.W)
			}
			imgs = append(imgs, img...)
		}
		g := autograd.NewNoGradGraph()
		mean, logvar := m.Encode(g, g.Const(g.Own(tensor.FromSlice(dev, imgs, hi-lo, ds.C, ds.H, ds.W))))
		half := tensor.Scale(logvar.Value, 0.5)
		std := tensor.Exp(half)
		half.Release()
		md, err := mean.Value.ToHost()
		var sd []float32
		if err == nil {
			sd, err = std.ToHost()
		}
		std.Release()
		g.Release()
		if err != nil {
			return nil, fmt.Errorf("encoding the data with the VAE: %w%s", err, memoryHint(err))
		}
		l.mean, l.std = append(l.mean, md...), append(l.std, sd...)
		fmt.Fprintf(stdout, "\rencoding the data with the VAE: %d/%d images, %s", hi, count, time.Since(start).Round(time.Second))
	}
	fmt.Fprintln(stdout)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("the latent cache: %w", err)
	}
	ts := []nn.Tensor{{Name: "mean", Shape: shape, Data: l.mean}, {Name: "std", Shape: shape, Data: l.std}}
	if err := nn.WriteFile(path, ts, map[string]string{"latent_key": key}); err != nil {
		return nil, fmt.Errorf("the latent cache: %w", err)
	}
	fmt.Fprintf(stdout, "latents: %d encoded in %s, cached in %s\n", count, time.Since(start).Round(time.Second), path)
	return l, nil
}

// draw writes a fresh latent of image k (its mirror image when flipped)
// into dst: (mean + std·ε)·scale, ε from r.
func (l *latents) draw(dst []float32, k int, flipped bool, r *rand.Rand) {
	per := l.c * l.h * l.w
	if flipped && l.flips {
		k += l.n
	}
	mean, std := l.mean[k*per:(k+1)*per], l.std[k*per:(k+1)*per]
	for i := range per {
		dst[i] = (mean[i] + std[i]*float32(r.NormFloat64())) * l.scale
	}
}
