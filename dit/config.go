package dit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Config is a DiT's shape.
type Config struct {
	Depth      int  `json:"depth"`       // transformer blocks
	Hidden     int  `json:"hidden_size"` // D
	Heads      int  `json:"num_heads"`   // H
	Patch      int  `json:"patch_size"`  // P
	InputSize  int  `json:"input_size"`  // image side in pixels (or latent cells)
	Channels   int  `json:"in_channels"` // C
	Classes    int  `json:"num_classes"` // labels 0..Classes−1; label Classes is "no class"
	LearnSigma bool `json:"learn_sigma"` // output 2·C channels: ε and the variance interpolation v
	// ClassDropout is the probability that a training label is replaced by
	// the null class, which is what makes classifier-free guidance possible
	// (0.1 in the paper). With 0 the label table has no null row.
	ClassDropout float64 `json:"class_dropout_prob"`
	// MLPRatio is the MLP's hidden width over D (4 in every DiT).
	MLPRatio int `json:"mlp_ratio"`
}

// The four model sizes of the paper (Table 1): depth, hidden size, heads.
var sizes = map[string][3]int{
	"S":  {12, 384, 6},
	"B":  {12, 768, 12},
	"L":  {24, 1024, 16},
	"XL": {28, 1152, 16},
}

// Named returns one of the paper's twelve configs, "DiT-S/2" … "DiT-XL/8",
// for ImageNet-256 latents (input 32, 4 channels, 1000 classes, learned
// variance), or a teaching config (see Teaching).
func Named(name string) (Config, error) {
	if c, ok := teaching[name]; ok {
		return c, nil
	}
	size, patchText, _ := strings.Cut(strings.TrimPrefix(name, "DiT-"), "/")
	patch, err := strconv.Atoi(patchText)
	s, ok := sizes[size]
	ok = ok && err == nil
	if !ok || (patch != 2 && patch != 4 && patch != 8) {
		return Config{}, fmt.Errorf("dit: unknown model %q; the choices are %v", name, Names())
	}
	return Config{Depth: s[0], Hidden: s[1], Heads: s[2], Patch: patch, InputSize: 32, Channels: 4,
		Classes: 1000, LearnSigma: true, ClassDropout: 0.1, MLPRatio: 4}, nil
}

// teaching are small configs for machines without a GPU, named so that no
// one mistakes them for the paper's. DiT-Tiny matches the "tiny" benchmark
// of the CPU work: hidden 192, depth 6, 3 heads, on 28×28 MNIST digits;
// DiT-Mini is the trainer's default, sized to train on two CPU cores in
// minutes; DiT-Micro is for tests.
var teaching = map[string]Config{
	"DiT-Tiny/4": {Depth: 6, Hidden: 192, Heads: 3, Patch: 4, InputSize: 28, Channels: 1, Classes: 10,
		LearnSigma: true, ClassDropout: 0.1, MLPRatio: 4},
	"DiT-Tiny/2": {Depth: 6, Hidden: 192, Heads: 3, Patch: 2, InputSize: 28, Channels: 1, Classes: 10,
		LearnSigma: true, ClassDropout: 0.1, MLPRatio: 4},
	"DiT-Mini/4": {Depth: 4, Hidden: 128, Heads: 4, Patch: 4, InputSize: 28, Channels: 1, Classes: 10,
		LearnSigma: true, ClassDropout: 0.1, MLPRatio: 4},
	"DiT-Micro/4": {Depth: 2, Hidden: 64, Heads: 2, Patch: 4, InputSize: 16, Channels: 1, Classes: 10,
		LearnSigma: true, ClassDropout: 0.1, MLPRatio: 4},
}

// Names lists every named config.
func Names() []string {
	var out []string
	for s := range sizes {
		for _, p := range []int{2, 4, 8} {
			out = append(out, fmt.Sprintf("DiT-%s/%d", s, p))
		}
	}
	for n := range teaching {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Validate reports a config that cannot make a model, saying which field
// is wrong.
func (c Config) Validate() error {
	switch {
	case c.Depth < 1 || c.Hidden < 1 || c.Heads < 1 || c.Patch < 1 || c.InputSize < 1 || c.Channels < 1 || c.Classes < 1:
		return fmt.Errorf("dit: every size must be positive: depth %d, hidden %d, heads %d, patch %d, input size %d, channels %d, classes %d",
			c.Depth, c.Hidden, c.Heads, c.Patch, c.InputSize, c.Channels, c.Classes)
	case c.Hidden%c.Heads != 0:
		return fmt.Errorf("dit: hidden size %d is not a multiple of the %d heads", c.Hidden, c.Heads)
	case c.Hidden%4 != 0:
		return fmt.Errorf("dit: hidden size %d must be a multiple of 4 for the 2D sin-cos position table", c.Hidden)
	case c.InputSize%c.Patch != 0:
		return fmt.Errorf("dit: input size %d is not a multiple of the patch size %d", c.InputSize, c.Patch)
	case c.ClassDropout < 0 || c.ClassDropout >= 1:
		return fmt.Errorf("dit: class dropout %v must be in [0, 1)", c.ClassDropout)
	case c.MLPRatio < 1:
		return fmt.Errorf("dit: MLP ratio %d must be positive", c.MLPRatio)
	}
	return nil
}

// Tokens is T, the number of patches: (InputSize/P)².
func (c Config) Tokens() int { return (c.InputSize / c.Patch) * (c.InputSize / c.Patch) }

// OutChannels is C, or 2·C with a learned variance.
func (c Config) OutChannels() int {
	if c.LearnSigma {
		return 2 * c.Channels
	}
	return c.Channels
}

// JSON is the config as stored in a checkpoint's metadata.
func (c Config) JSON() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// ParseConfig reads a config stored by JSON.
func ParseConfig(s string) (Config, error) {
	var c Config
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Config{}, fmt.Errorf("dit: bad model config %q: %w", s, err)
	}
	if c.MLPRatio == 0 {
		c.MLPRatio = 4
	}
	return c, c.Validate()
}
