package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A latent run (-vae): the data set is encoded once into the latent cache
// next to the run folders and reused by later runs, the model learns
// latents (4×4 here, the VAE halving the 8×8 images), the final grid is
// decoded, and a run resumed from its checkpoint takes exactly the steps
// of the uninterrupted one (every step's latents are drawn from the saved
// random state). A run with an evaluation, or a VAE for other images, is
// refused.
func TestLatentRun(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 30)
	file := filepath.Join(t.TempDir(), "vae.safetensors")
	writeRandomVAE(t, file, 1, 1)
	args := func(out string, steps int) []string {
		return append(tinyArgs(data, out, steps), "-vae", file, "-patch", "2", "-lr-schedule", "constant")
	}
	whole, split := checkResumeExact(t, dir, 3, args)
	caches, err := filepath.Glob(filepath.Join(dir, "latent-cache", "*.safetensors"))
	if err != nil || len(caches) != 1 {
		t.Fatalf("latent caches %v (%v), want one", caches, err)
	}
	for _, run := range []string{whole, split} {
		if _, err := os.Stat(gridPath(run, 6)); err != nil {
			t.Errorf("the run in %s wrote no final grid: %v", run, err)
		}
	}
	// sample decodes a latent run's samples with the run's VAE, unless told
	// otherwise.
	png := filepath.Join(dir, "s.png")
	if out, err := dispatchOutput(quickSample(checkpointPath(whole), "-png", png)...); err != nil || !strings.Contains(out, "decoded sample 2/2 to 1×8×8") {
		t.Errorf("sample of a latent run: %v, want its samples decoded by the run's VAE:\n%s", err, out)
	}
	if out, err := dispatchOutput(quickSample(checkpointPath(whole), "-png", png, "-vae", "")...); err != nil || strings.Contains(out, "decoded") {
		t.Errorf("sample -vae \"\" of a latent run: %v, want the latents undecoded:\n%s", err, out)
	}
	out, err := dispatchOutput(args(filepath.Join(dir, "again"), 1)...)
	if err != nil || !strings.Contains(out, "from the cache") || !strings.Contains(out, "patch 2, 4 tokens") {
		t.Errorf("a third run: %v; want the cached latents and a model of 4 tokens:\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(args(filepath.Join(dir, "eval"), 1), "-eval-every", "0"), "-eval-every -1"},
		{append(args(filepath.Join(dir, "rgb"), 1)[:0:0], append(tinyArgs(data, filepath.Join(dir, "rgb"), 1), "-vae", filepath.Join(dir, "missing.safetensors"))...), "-vae"},
	} {
		if _, err := dispatchOutput(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error that mentions %q", c.args, err, c.want)
		}
	}
}

// A latent run on a folder of images, resized to 16×16 RGB, with flips:
// both the images and their mirror images are encoded into the cache, and
// the final grid is decoded to RGB.
func TestLatentRunOnImageFolder(t *testing.T) {
	images, dir := t.TempDir(), t.TempDir()
	writeImageFolder(t, images)
	file := filepath.Join(t.TempDir(), "vae.safetensors")
	writeRandomVAE(t, file, 3, 4)
	out := filepath.Join(dir, "run")
	args := append(tinyArgs(images, out, 2), "-image-size", "16", "-channels", "3", "-flip", "-vae", file, "-patch", "2")
	text, err := dispatchOutput(args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !strings.Contains(text, "latents: 8 encoded") || !strings.Contains(text, "patch 2, 16 tokens") {
		t.Errorf("output: want 8 latents encoded (4 images and their mirror images) and a model of 16 tokens (8×8 latents, patch 2):\n%s", text)
	}
	if _, err := os.Stat(gridPath(out, 2)); err != nil {
		t.Errorf("no final grid: %v", err)
	}
}
