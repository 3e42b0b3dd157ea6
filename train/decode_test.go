package main

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/vae"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// writeRandomVAE saves a small VAE with random weights for images of
// channels channels and latents of latent channels at half their side.
func writeRandomVAE(t *testing.T, path string, channels, latent int) {
	t.Helper()
	c := vae.Config{InChannels: channels, OutChannels: channels, LatentChannels: latent, Channels: []int{4, 4}, LayersPerBlock: 1, Groups: 2, ScalingFactor: 0.5}
	m, err := vae.New(tensor.NewCPU(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	r := rand.New(rand.NewPCG(4, 4))
	for _, p := range m.Params.All() {
		data := make([]float32, p.Var.Value.Numel())
		for i := range data {
			data[i] = float32(0.3 * r.NormFloat64())
		}
		p.Var.Value.Device().WriteFloat32(p.Var.Value.Buffer(), data)
	}
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
}

// sample -vae decodes the sampled latents, divided by the VAE's scaling
// factor, into the PNG grid and -decoded, while -out keeps the latents:
// -decoded is, bit for bit, the VAE's decoding of -out's latents. A VAE of
// other latents is refused before sampling.
func TestSampleDecodesWithVAE(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeTinyMNIST(t, data, 30)
	runDir := filepath.Join(dir, "run")
	if err := run(t, tinyArgs(data, runDir, 2)...); err != nil {
		t.Fatal(err)
	}
	file, wrong := filepath.Join(dir, "vae.safetensors"), filepath.Join(dir, "vae4.safetensors")
	writeRandomVAE(t, file, 1, 1)
	writeRandomVAE(t, wrong, 1, 4)
	lat, dec, png := filepath.Join(dir, "lat.safetensors"), filepath.Join(dir, "dec.safetensors"), filepath.Join(dir, "grid.png")
	out, err := dispatchOutput(quickSample(checkpointPath(runDir), "-vae", file, "-out", lat, "-decoded", dec, "-png", png)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "decoded sample 2/2 to 1×16×16") {
		t.Errorf("output %q: want a line for each decoded sample", out)
	}
	read := func(path string) nn.Tensor {
		f, err := nn.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		x, ok := f.Get("samples")
		if !ok {
			t.Fatalf("%s has no samples", path)
		}
		return x
	}
	latents, decoded := read(lat), read(dec)
	if !slices.Equal(latents.Shape, []int{2, 1, 8, 8}) || !slices.Equal(decoded.Shape, []int{2, 1, 16, 16}) {
		t.Fatalf("latents %v and decoded %v, want [2 1 8 8] and [2 1 16 16]", latents.Shape, decoded.Shape)
	}
	dev := fastcpu.New()
	m, err := vae.ReadFile(dev, file)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	for i := range 2 {
		g := autograd.NewNoGradGraph()
		z := g.Own(tensor.FromSlice(dev, latents.Data[i*64:(i+1)*64], 1, 1, 8, 8))
		want := m.Decode(g, g.Const(g.Own(tensor.Scale(z, 2)))).Value.Data() // ÷ 0.5
		if !slices.Equal(want, decoded.Data[i*256:(i+1)*256]) {
			t.Errorf("decoded sample %d is not the VAE's decoding of its latent", i)
		}
		g.Release()
	}
	if _, err := dispatchOutput(quickSample(checkpointPath(runDir), "-vae", wrong, "-png", png, "-overwrite")...); err == nil || !strings.Contains(err.Error(), "latents of 4 channels, and the model makes 1") {
		t.Errorf("a VAE of 4-channel latents for a 1-channel model: %v", err)
	}
}

// The end to end path of a latent model's user: a DiT converted from a
// reference-code checkpoint by dit/tools/convert_official.py, sampled and
// decoded by a VAE that PyTorch wrote in float16 with diffusers' names.
func TestSampleConvertedDiTWithF16VAE(t *testing.T) {
	dir := t.TempDir()
	ckpt, file := "../dit/testdata/converted_dit.safetensors", "../dit/vae/testdata/vae_f16.safetensors"
	dec, png := filepath.Join(dir, "dec.safetensors"), filepath.Join(dir, "grid.png")
	out, err := dispatchOutput("sample", "-ckpt", ckpt, "-vae", file, "-classes", "0,3", "-steps", "3", "-device", "cpu", "-decoded", dec, "-png", png)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	f, err := nn.ReadFile(dec)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := f.Get("samples")
	if !slices.Equal(x.Shape, []int{2, 3, 16, 16}) {
		t.Errorf("decoded %v, want [2 3 16 16]: RGB at twice the latents' 8×8", x.Shape)
	}
}
