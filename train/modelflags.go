package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/ditgo/ditgo/dit"
	"github.com/ditgo/ditgo/dit/unet"
)

// modelSpec is what the model flags say, the same in every subcommand that
// builds a model (training and bench; sample and eval read the model from
// the checkpoint). One rule:
//
//	-model NAME          a config from dit.Names(), or a U-Net of unet.Names()
//	-depth -hidden       each one given (not 0) replaces that size of the
//	-heads -patch        named DiT config; the model is then reported as
//	                     custom (a U-Net takes none of them)
//	-dropout P           a U-Net's ResBlock dropout (a DiT has none)
//
// so `-depth 2` alone is the default model with two blocks.
type modelSpec struct {
	Model                       string
	Depth, Hidden, Heads, Patch int     // 0: the named config's
	Dropout                     float64 // a U-Net's ResBlock dropout
}

// addModelFlags registers the model flags on fs, bound to s, with s's
// values as their defaults.
func addModelFlags(fs *flag.FlagSet, s *modelSpec) {
	usage := "model config: " + strings.Join(dit.Names(), ", ") + "; the size flags change it; or a U-Net baseline, sized by its name: " + strings.Join(unet.Names(), ", ")
	fs.StringVar(&s.Model, "model", s.Model, usage)
	fs.IntVar(&s.Depth, "depth", s.Depth, "transformer blocks (0: the -model's)")
	fs.IntVar(&s.Hidden, "hidden", s.Hidden, "hidden size D (0: the -model's)")
	fs.IntVar(&s.Heads, "heads", s.Heads, "attention heads H (0: the -model's)")
	fs.IntVar(&s.Patch, "patch", s.Patch, "patch size P in pixels (0: the -model's)")
	fs.Float64Var(&s.Dropout, "dropout", s.Dropout, "dropout probability in every ResBlock of a U-Net, in [0, 1) (ADM's dropout; a DiT has none)")
}

// override is an int flag that, when given (not 0), replaces a field of a
// DiT config.
type override struct {
	flag  string
	value int
	field *int
}

// apply sets the field of every override that was given.
func apply(overrides []override) {
	for _, o := range overrides {
		if o.value != 0 {
			*o.field = o.value
		}
	}
}

// sizes are the size flags as overrides of m's sizes.
func (s modelSpec) sizes(m *dit.Config) []override {
	return []override{{"-depth", s.Depth, &m.Depth}, {"-hidden", s.Hidden, &m.Hidden}, {"-heads", s.Heads, &m.Heads}, {"-patch", s.Patch, &m.Patch}}
}

// custom reports whether a size flag changed the named config.
func (s modelSpec) custom() bool {
	return s.Depth != 0 || s.Hidden != 0 || s.Heads != 0 || s.Patch != 0
}

// String names the model for the log.
func (s modelSpec) String() string {
	if s.custom() {
		return "custom DiT (" + s.Model + " resized)"
	}
	return s.Model
}

// validate reports a model flag that cannot work, before any work starts
// (the sizes together are checked by dit.Config.Validate once the data's
// shape is known).
func (s modelSpec) validate() error {
	if !(s.Dropout >= 0 && s.Dropout < 1) {
		return fmt.Errorf("-dropout %v: must be a probability in [0, 1)", s.Dropout)
	}
	if isUNet(s.Model) {
		_, err := s.unetConfig()
		return err
	}
	if _, err := dit.Named(s.Model); err != nil {
		return fmt.Errorf("-model: %w", err)
	}
	if s.Dropout != 0 {
		return fmt.Errorf("-dropout %v: the DiT has no dropout (the paper trains without it); it is a U-Net's (-model %s)", s.Dropout, strings.Join(unet.Names(), ", "))
	}
	for _, o := range s.sizes(&dit.Config{}) {
		if o.value < 0 {
			return fmt.Errorf("%s %d: must be positive (0: the -model's)", o.flag, o.value)
		}
	}
	return nil
}

// checkShape names the flags behind a model config that cannot work, in
// place of dit.Config.Validate's message about the config: the sizes of
// the model flags against each other, and against the image side, which
// sideFlag sets (-image-size, or the data).
func checkShape(m dit.Config, sideFlag string) error {
	switch {
	case m.Hidden%m.Heads != 0:
		return fmt.Errorf("-hidden %d is not a multiple of -heads %d (each head takes hidden/heads dimensions)", m.Hidden, m.Heads)
	case m.Hidden%4 != 0:
		return fmt.Errorf("-hidden %d: must be a multiple of 4 (the 2D sin-cos position table)", m.Hidden)
	case m.InputSize%m.Patch != 0:
		return fmt.Errorf("-patch %d: the images are %d pixels wide (%s), not a multiple of the patch", m.Patch, m.InputSize, sideFlag)
	}
	return m.Validate()
}

// maxValues bounds the values of one tensor, and the parameters of a
// model: 2³¹, the index range of the kernels (and 8 GiB of float32).
const maxValues = 1 << 31

// checkSize refuses a model or a batch too big for any machine before
// anything is allocated (where Go's allocator would panic, or the system
// kill the process): about 18·depth·hidden² parameters (attention 4D², MLP
// 8D², adaLN 6D² a block), and the largest activation of a step, the MLP's
// [batch, tokens, 4·hidden]. A size that passes may still be more than
// this machine's memory; that is the device's out-of-memory error.
func checkSize(m dit.Config, batch int) error {
	params := 18 * float64(m.Depth) * float64(m.Hidden) * float64(m.Hidden)
	if params > maxValues {
		return fmt.Errorf("-depth %d, -hidden %d: about %.3g parameters, over the %d a model may have; use a smaller model", m.Depth, m.Hidden, params, maxValues)
	}
	act := float64(batch) * float64(m.Tokens()) * 4 * float64(m.Hidden)
	if img := float64(batch) * float64(m.Channels*m.InputSize*m.InputSize); act > maxValues || img > maxValues {
		return fmt.Errorf("-batch %d: a step would hold %.3g values in one tensor, over the %d a tensor may hold; use a smaller -batch", batch, max(act, img), maxValues)
	}
	return nil
}

// isUNet reports whether -model names a U-Net (dit/unet) rather than a DiT.
func isUNet(model string) bool { return strings.HasPrefix(model, "UNet-") }

// unetConfig is the named U-Net; the DiT's size flags do not apply.
func (s modelSpec) unetConfig() (unet.Config, error) {
	c, err := unet.Named(s.Model)
	if err != nil {
		return c, fmt.Errorf("-model: %w", err)
	}
	if s.custom() {
		return c, fmt.Errorf("-depth, -hidden, -heads and -patch size a DiT; %s is a U-Net, whose sizes come with its name (%s)", s.Model, strings.Join(unet.Names(), ", "))
	}
	c.Dropout = s.Dropout
	return c, nil
}

// checkUNetSize refuses a batch whose largest activation, the decoder's
// widest concatenation (twice the widest level's channels) at full
// resolution, is over what a tensor may hold, as checkSize does for a DiT.
func checkUNetSize(c unet.Config, batch int) error {
	act := float64(batch) * 2 * float64(c.Base*slices.Max(c.Mult)) * float64(c.InputSize*c.InputSize)
	if act > maxValues {
		return fmt.Errorf("-batch %d: a step would hold %.3g values in one tensor, over the %d a tensor may hold; use a smaller -batch", batch, act, maxValues)
	}
	return nil
}

// config is the named config with the given sizes in place of its own.
func (s modelSpec) config() (dit.Config, error) {
	if err := s.validate(); err != nil {
		return dit.Config{}, err
	}
	m, _ := dit.Named(s.Model)
	apply(s.sizes(&m))
	return m, nil
}
