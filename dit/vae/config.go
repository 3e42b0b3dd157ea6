package vae

import (
	"encoding/json"
	"fmt"
)

// ConfigKey is the metadata key under which a checkpoint keeps its Config.
const ConfigKey = "vae_config"

// Config is an AutoencoderKL's architecture, with diffusers' config names.
type Config struct {
	InChannels     int   `json:"in_channels"`        // image channels (3)
	OutChannels    int   `json:"out_channels"`       // decoded image channels (3)
	LatentChannels int   `json:"latent_channels"`    // 4
	Channels       []int `json:"block_out_channels"` // per level, from the image side
	LayersPerBlock int   `json:"layers_per_block"`   // ResNet blocks a level (the decoder has one more)
	Groups         int   `json:"norm_num_groups"`    // of every GroupNorm (ε 1e-6)
	// ScalingFactor multiplies a latent before diffusion and divides a
	// sampled one before decoding.
	ScalingFactor float64 `json:"scaling_factor"`
}

// Eps is the ε of every GroupNorm of the VAE.
const Eps = 1e-6

// SD is the Stable Diffusion VAE's config: 4 levels of 128, 256, 512 and
// 512 channels, 2 ResNet blocks a level, 32 groups, latents of 4 channels
// at 1/8 of the image's side.
func SD() Config {
	return Config{InChannels: 3, OutChannels: 3, LatentChannels: 4, Channels: []int{128, 256, 512, 512},
		LayersPerBlock: 2, Groups: 32, ScalingFactor: 0.18215}
}

// Downscale is the factor between the image's side and the latent's.
func (c Config) Downscale() int { return 1 << (len(c.Channels) - 1) }

// Validate reports a config the model cannot be built from.
func (c Config) Validate() error {
	switch {
	case c.InChannels < 1 || c.OutChannels < 1 || c.LatentChannels < 1:
		return fmt.Errorf("vae: %d image channels in, %d out and %d latent channels; each must be at least 1", c.InChannels, c.OutChannels, c.LatentChannels)
	case len(c.Channels) == 0:
		return fmt.Errorf("vae: no levels (block_out_channels is empty)")
	case c.LayersPerBlock < 1:
		return fmt.Errorf("vae: %d ResNet blocks a level; want at least 1", c.LayersPerBlock)
	case c.Groups < 1:
		return fmt.Errorf("vae: %d GroupNorm groups; want at least 1", c.Groups)
	case !(c.ScalingFactor > 0):
		return fmt.Errorf("vae: scaling factor %v; want > 0", c.ScalingFactor)
	}
	for _, ch := range c.Channels {
		if ch < 1 || ch%c.Groups != 0 {
			return fmt.Errorf("vae: a level of %d channels, which %d GroupNorm groups do not divide", ch, c.Groups)
		}
	}
	return nil
}

// JSON is the config as saved in a checkpoint's metadata.
func (c Config) JSON() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a Config always marshals
	}
	return string(b)
}

// ParseConfig reads a config written by JSON, or diffusers' config.json,
// whose extra keys it ignores; a missing scaling factor is SD's.
func ParseConfig(s string) (Config, error) {
	c := Config{ScalingFactor: SD().ScalingFactor}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("vae: bad config %q: %w", s, err)
	}
	return c, c.Validate()
}
