package unet

import (
	"encoding/json"
	"fmt"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// Save writes the model alone as a safetensors file with the public
// UNetModel's names and its config in the metadata.
func (m *Model) Save(path string) error {
	ts, err := m.Params.Tensors("")
	if err != nil {
		return err
	}
	return nn.WriteFile(path, ts, map[string]string{ConfigKey: m.Config.JSON()})
}

// JSON is the config as saved in a checkpoint's metadata.
func (c Config) JSON() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a Config always marshals
	}
	return string(b)
}

// InferConfig reads the config from a checkpoint's metadata or, for a
// public checkpoint that has none (improved-diffusion or guided-diffusion,
// saved as safetensors), from its tensor shapes under prefix: the base
// channels, the multipliers, the ResBlocks a level, where attention sits,
// whether the variance is learned, and the classes. Shapes do not tell the
// image side, which the caller gives, nor the heads, which heads gives
// (there is no standard count); GroupNorm has 32 groups, as in the public
// code, and the label table has no null row (so -cfg 1: no guidance).
func InferConfig(f *nn.File, prefix string, heads, imageSize int) (Config, error) {
	if js, ok := f.Metadata[ConfigKey]; ok {
		return ParseConfig(js)
	}
	get := func(name string, rank int) ([]int, bool) {
		t, ok := f.Get(prefix + name)
		return t.Shape, ok && len(t.Shape) == rank
	}
	in, ok := get("input_blocks.0.0.weight", 4)
	te, ok2 := get("time_embed.0.weight", 2)
	out, ok3 := get("out.2.weight", 4)
	if !ok || !ok2 || !ok3 {
		return Config{}, fmt.Errorf("unet: the checkpoint has no %q metadata and is not a U-Net state dict (looked for %sinput_blocks.0.0.weight, %stime_embed.0.weight, %sout.2.weight)", ConfigKey, prefix, prefix, prefix)
	}
	c := Config{InputSize: imageSize, Channels: in[1], Base: in[0], Groups: 32, Heads: heads}
	c.LearnSigma = out[0] == 2*c.Channels
	if te[1] != c.Base || te[0] != 4*c.Base {
		return Config{}, fmt.Errorf("unet: time_embed.0.weight is %v; a U-Net of %d base channels has [%d, %d]", te, c.Base, 4*c.Base, c.Base)
	}
	if table, ok := get("label_emb.weight", 2); ok {
		c.Classes = table[0]
	} else {
		return Config{}, fmt.Errorf("unet: the checkpoint has no label_emb.weight; this engine's U-Net is class-conditional")
	}
	// Walk the encoder: a ResBlock's in_layers.2 gives its channels; an op
	// is a downsampling, which ends a level; a qkv after a ResBlock is
	// attention at the level's factor.
	ds, res := 1, 0
	for n := 1; ; n++ {
		block := fmt.Sprintf("input_blocks.%d.", n)
		if _, ok := get(block+"0.op.weight", 4); ok {
			ds *= 2
			continue
		}
		w, ok := get(block+"0.in_layers.2.weight", 4)
		if !ok {
			break
		}
		if len(c.Mult) == 0 || ds > 1<<(len(c.Mult)-1) {
			c.Mult = append(c.Mult, w[0]/c.Base)
			res = 0
		}
		res++
		c.ResBlocks = max(c.ResBlocks, res)
		if _, ok := get(block+"1.qkv.weight", 3); ok && !contains(c.AttnDS, ds) {
			c.AttnDS = append(c.AttnDS, ds)
		}
	}
	if heads < 1 {
		return c, fmt.Errorf("unet: the checkpoint does not say its attention heads; give the head count (-heads)")
	}
	if imageSize < 1 {
		return c, fmt.Errorf("unet: the checkpoint does not say its image size; give it (-image-size)")
	}
	return c, c.Validate()
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Load builds the U-Net a checkpoint describes and loads its weights. With
// preferEMA, the averaged weights ("ema." names) are used when present.
// heads and imageSize are only needed for a public checkpoint without a
// config (see InferConfig).
func Load(dev tensor.Device, path string, preferEMA bool, heads, imageSize int) (*Model, error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if preferEMA {
		if _, ok := f.Get("ema.time_embed.0.weight"); ok {
			prefix = "ema."
		}
	}
	c, err := InferConfig(f, prefix, heads, imageSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m, err := New(dev, c)
	if err != nil {
		return nil, err
	}
	if err := m.Params.Load(f, prefix); err != nil {
		m.Release()
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	return m, nil
}
