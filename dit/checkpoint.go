package dit

import (
	"fmt"

	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// ConfigKey is the metadata key under which a checkpoint stores its model
// config as JSON.
const ConfigKey = "dit_config"

// Save writes the model alone as a safetensors file with the public
// reference's names and its config in the metadata.
func (m *Model) Save(path string) error {
	ts, err := m.Params.Tensors("")
	if err != nil {
		return err
	}
	return nn.WriteFile(path, ts, map[string]string{ConfigKey: m.Config.JSON()})
}

// standardHeads are the head counts of the paper's configs by hidden size,
// used when a checkpoint carries no config.
var standardHeads = map[int]int{384: 6, 768: 12, 1024: 16, 1152: 16}

// InferConfig reads the config from a checkpoint's metadata or, for a
// converted public checkpoint that has none, from its tensor shapes under
// prefix. Shapes do not tell the head count: heads > 0 sets it, otherwise
// the paper's count for that hidden size is used. Label dropout is assumed
// to be on (the label table has a null row), as in every public DiT.
func InferConfig(f *nn.File, prefix string, heads int) (Config, error) {
	if js, ok := f.Metadata[ConfigKey]; ok {
		c, err := ParseConfig(js)
		if err == nil && heads > 0 && heads != c.Heads {
			return c, fmt.Errorf("dit: the checkpoint's model has %d heads, not %d", c.Heads, heads)
		}
		return c, err
	}
	w, ok := f.Get(prefix + "x_embedder.proj.weight")
	pos, ok2 := f.Get(prefix + "pos_embed")
	table, ok3 := f.Get(prefix + "y_embedder.embedding_table.weight")
	final, ok4 := f.Get(prefix + "final_layer.linear.weight")
	if !ok || !ok2 || !ok3 || !ok4 || len(w.Shape) != 4 || len(pos.Shape) < 2 || len(table.Shape) != 2 || len(final.Shape) != 2 {
		return Config{}, fmt.Errorf("dit: the checkpoint has no %q metadata and is not a DiT state dict (looked for %sx_embedder.proj.weight, %spos_embed, …)", ConfigKey, prefix, prefix)
	}
	c := Config{Hidden: w.Shape[0], Channels: w.Shape[1], Patch: w.Shape[2], Classes: table.Shape[0] - 1,
		ClassDropout: 0.1, MLPRatio: 4}
	tokens := pos.Shape[len(pos.Shape)-2]
	grid := 0
	for grid*grid < tokens {
		grid++
	}
	c.InputSize = grid * c.Patch
	c.LearnSigma = final.Shape[0] == 2*c.Channels*c.Patch*c.Patch
	for {
		if _, ok := f.Get(fmt.Sprintf("%sblocks.%d.attn.qkv.weight", prefix, c.Depth)); !ok {
			break
		}
		c.Depth++
	}
	c.Heads = heads
	if c.Heads == 0 {
		if c.Heads, ok = standardHeads[c.Hidden]; !ok {
			return Config{}, fmt.Errorf("dit: the checkpoint does not say its head count and hidden size %d is not a paper config; give the head count", c.Hidden)
		}
	}
	return c, c.Validate()
}

// Load builds the model a checkpoint describes and loads its weights. With
// preferEMA, the averaged weights ("ema." names) are used when present.
// heads is only needed for converted checkpoints without a config (see
// InferConfig).
func Load(dev tensor.Device, path string, preferEMA bool, heads int) (*Model, error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if preferEMA {
		if _, ok := f.Get("ema.pos_embed"); ok {
			prefix = "ema."
		}
	}
	c, err := InferConfig(f, prefix, heads)
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
