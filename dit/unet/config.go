package unet

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Config is an ADM U-Net's shape, in the terms of the public
// improved-diffusion / guided-diffusion UNetModel (its argument names in
// the JSON tags).
type Config struct {
	InputSize  int  `json:"image_size"`  // image side in pixels
	Channels   int  `json:"in_channels"` // C
	Classes    int  `json:"num_classes"` // labels 0..Classes−1; label Classes is "no class" when ClassDropout > 0
	LearnSigma bool `json:"learn_sigma"` // output 2·C channels: ε and the variance interpolation v
	// ClassDropout is the probability that a training label is replaced by
	// the null class, which classifier-free guidance needs. With 0 the
	// label table has no null row, as in the public checkpoints.
	ClassDropout float64 `json:"class_dropout_prob"`

	Base      int   `json:"model_channels"` // channels of the first level
	Mult      []int `json:"channel_mult"`   // each level's channels, as multiples of Base
	ResBlocks int   `json:"num_res_blocks"` // ResBlocks per level (the decoder has one more)
	// AttnDS are the downsampling factors of the levels with
	// self-attention after each ResBlock: 1 is the input resolution, 2 the
	// next level, and so on (the public code's attention_resolutions, after
	// its image_size // resolution).
	AttnDS []int `json:"attention_ds"`
	// HeadChannels, when not 0, fixes the channels of an attention head and
	// so the number of heads at each level; otherwise every attention
	// block has Heads heads.
	HeadChannels int `json:"num_head_channels"`
	Heads        int `json:"num_heads"`
	// Dropout is the probability of ADM's dropout in every ResBlock,
	// before its second convolution. It acts only in a graph in training
	// mode (autograd.Graph.UseRNG).
	Dropout float64 `json:"dropout"`
	Groups  int     `json:"norm_groups"`
}

// ladder are the named U-Nets, a ladder by width for MNIST-sized inputs
// (28×28 or 32×32): three levels (the resolution halves twice), two
// ResBlocks a level, attention at the lowest resolution (7×7 or 8×8) with
// heads of 32 channels, learned variance and label dropout for guidance,
// as the trainer's DiT configs have.
//
// GroupNorm has 4 channels a group at the first level (Base/4 groups),
// the public models' ratio (128 channels in 32 groups). Fewer channels a
// group cost the model the image's mean: with one channel a group (32
// groups of UNet-S's 32 channels), the norm before the output convolution
// takes each channel's mean over the image away, so the predicted noise
// has no mean of its own. At high noise, x0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ then
// multiplies the noise's mean, which the model cannot see, by up to 156:
// such a UNet-S sampled white and black squares. With 8 groups it learns
// the mean (its rms error at t = 999 fell from 0.035, all of it, to
// 0.005), and on the quick scaling budget its conditioning accuracy rose
// from 48% to 71%.
var ladder = map[string]int{"S": 32, "B": 64, "L": 96, "XL": 128}

// channelsPerGroup is the GroupNorm channels of a group at the first level
// of the named U-Nets.
const channelsPerGroup = 4

// Named returns UNet-S, -B, -L or -XL for 28×28 single-channel digits with
// 10 classes; the trainer sets the image shape and the classes from its
// data.
func Named(name string) (Config, error) {
	base, ok := ladder[strings.TrimPrefix(name, "UNet-")]
	if !ok || !strings.HasPrefix(name, "UNet-") {
		return Config{}, fmt.Errorf("unet: unknown model %q; the choices are %v", name, Names())
	}
	return Config{InputSize: 28, Channels: 1, Classes: 10, LearnSigma: true, ClassDropout: 0.1,
		Base: base, Mult: []int{1, 2, 2}, ResBlocks: 2, AttnDS: []int{4}, HeadChannels: 32, Groups: base / channelsPerGroup}, nil
}

// Names lists the named configs, smallest first.
func Names() []string {
	var names []string
	for n := range ladder {
		names = append(names, "UNet-"+n)
	}
	sort.Slice(names, func(i, j int) bool { return ladder[names[i][5:]] < ladder[names[j][5:]] })
	return names
}

// OutChannels is the output's channel count: 2·C with a learned variance.
func (c Config) OutChannels() int {
	if c.LearnSigma {
		return 2 * c.Channels
	}
	return c.Channels
}

// EmbedDim is the width of the timestep and class embedding, 4·Base.
func (c Config) EmbedDim() int { return 4 * c.Base }

// headsAt is the number of attention heads of an attention block over ch
// channels.
func (c Config) headsAt(ch int) int {
	if c.HeadChannels > 0 {
		return ch / c.HeadChannels
	}
	return c.Heads
}

// Validate reports the first thing about c that cannot build a U-Net.
func (c Config) Validate() error {
	levels := len(c.Mult)
	switch {
	case c.Base < 1 || c.ResBlocks < 1 || levels < 1:
		return fmt.Errorf("unet: model_channels %d, num_res_blocks %d and %d levels must all be at least 1", c.Base, c.ResBlocks, levels)
	case c.Channels < 1 || c.Classes < 1:
		return fmt.Errorf("unet: %d channels and %d classes; both must be at least 1", c.Channels, c.Classes)
	case c.Groups < 1:
		return fmt.Errorf("unet: %d norm groups; must be at least 1", c.Groups)
	case c.InputSize < 1 || c.InputSize%(1<<(levels-1)) != 0:
		return fmt.Errorf("unet: image side %d does not halve %d times; with %d levels it must be a multiple of %d", c.InputSize, levels-1, levels, 1<<(levels-1))
	case !(c.ClassDropout >= 0 && c.ClassDropout < 1):
		return fmt.Errorf("unet: class dropout %v must be in [0, 1)", c.ClassDropout)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("unet: dropout %v must be in [0, 1)", c.Dropout)
	case c.HeadChannels < 0 || (c.HeadChannels == 0 && c.Heads < 1):
		return fmt.Errorf("unet: num_head_channels %d, num_heads %d: give a head width, or a head count of at least 1", c.HeadChannels, c.Heads)
	}
	for _, m := range c.Mult {
		if m < 1 || (c.Base*m)%c.Groups != 0 {
			return fmt.Errorf("unet: a level of %d×%d channels: the multiplier must be at least 1 and the channels a multiple of the %d norm groups", m, c.Base, c.Groups)
		}
	}
	for _, ds := range c.AttnDS {
		level := -1
		for l := range levels {
			if 1<<l == ds {
				level = l
			}
		}
		if level < 0 {
			return fmt.Errorf("unet: attention at downsampling factor %d, but the levels are at 1 … %d", ds, 1<<(levels-1))
		}
		ch := c.Base * c.Mult[level]
		if h := c.headsAt(ch); h < 1 || ch%h != 0 || (c.HeadChannels > 0 && ch%c.HeadChannels != 0) {
			return fmt.Errorf("unet: %d channels at factor %d do not split into heads (num_head_channels %d, num_heads %d)", ch, ds, c.HeadChannels, c.Heads)
		}
	}
	return nil
}

// String is a one-line description for logs.
func (c Config) String() string {
	var at []string
	for _, ds := range c.AttnDS {
		at = append(at, fmt.Sprintf("%d×%d", c.InputSize/ds, c.InputSize/ds))
	}
	return fmt.Sprintf("base %d, multipliers %v, %d res blocks a level, attention at %s, %d×%d×%d", c.Base, c.Mult, c.ResBlocks, strings.Join(at, ", "), c.InputSize, c.InputSize, c.Channels)
}

// ConfigKey is the safetensors metadata key under which a checkpoint (and
// a parity fixture) keeps the model's Config as JSON.
const ConfigKey = "unet_config"

// ParseConfig reads a Config from its JSON, and checks it.
func ParseConfig(s string) (Config, error) {
	var c Config
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("unet: bad config %q: %w", s, err)
	}
	return c, c.Validate()
}
