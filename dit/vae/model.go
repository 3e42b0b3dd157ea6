package vae

import (
	"fmt"
	"strings"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// Model is an AutoencoderKL: the encoder, the decoder and the two 1×1
// convolutions between them and the latent (quant_conv on the encoder's
// moments, post_quant_conv on a latent before decoding).
type Model struct {
	Config Config
	Params *nn.Params // with diffusers' names

	enc, dec         coder
	quant, postQuant *nn.Conv2d
}

// coder is the encoder or the decoder: conv_in, the levels (down_blocks or
// up_blocks), the middle block, GroupNorm, SiLU and conv_out. In the
// encoder a level's resample is its stride-2 downsampling, in the decoder
// its upsampling; the last level has none.
type coder struct {
	in, out *nn.Conv2d
	levels  []level
	mid     *middle
	norm    *nn.GroupNorm
}

type level struct {
	resnets  []*resnet
	resample *nn.Conv2d
}

// newLevel makes a level's n ResNet blocks, the first from in channels to
// out and the others out to out; the caller adds its resampling.
func newLevel(dev tensor.Device, c Config, in, out, n int) level {
	var l level
	for j := range n {
		if j > 0 {
			in = out
		}
		l.resnets = append(l.resnets, newResnet(dev, c, in, out))
	}
	return l
}

// New builds a VAE on dev with every weight zero (GroupNorm scales one);
// load a checkpoint into it.
func New(dev tensor.Device, c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ch, last := c.Channels, len(c.Channels)-1
	m := &Model{Config: c, Params: &nn.Params{},
		quant:     nn.NewConv2d(dev, 2*c.LatentChannels, 2*c.LatentChannels, 1, 1, 0, true),
		postQuant: nn.NewConv2d(dev, c.LatentChannels, c.LatentChannels, 1, 1, 0, true)}

	// The encoder: level i takes ch[i−1] (ch[0] at the first) to ch[i].
	m.enc = coder{in: nn.NewConv2d(dev, c.InChannels, ch[0], 3, 1, 1, true), mid: newMiddle(dev, c, ch[last]),
		norm: groupNorm(dev, c, ch[last]), out: nn.NewConv2d(dev, ch[last], 2*c.LatentChannels, 3, 1, 1, true)}
	for i := range ch {
		l := newLevel(dev, c, ch[max(i-1, 0)], ch[i], c.LayersPerBlock)
		if i < last { // downsampling: stride 2, padded on the right and bottom in the forward pass
			l.resample = nn.NewConv2d(dev, ch[i], ch[i], 3, 2, 0, true)
		}
		m.enc.levels = append(m.enc.levels, l)
	}

	// The decoder walks the channels from the widest: level i takes
	// rev[i−1] (rev[0] at the first) to rev[i], with one ResNet block more.
	rev := make([]int, len(ch))
	for i := range ch {
		rev[i] = ch[last-i]
	}
	m.dec = coder{in: nn.NewConv2d(dev, c.LatentChannels, rev[0], 3, 1, 1, true), mid: newMiddle(dev, c, rev[0]),
		norm: groupNorm(dev, c, rev[last]), out: nn.NewConv2d(dev, rev[last], c.OutChannels, 3, 1, 1, true)}
	for i := range rev {
		l := newLevel(dev, c, rev[max(i-1, 0)], rev[i], c.LayersPerBlock+1)
		if i < last { // upsampling: nearest 2×, then this convolution
			l.resample = nn.NewConv2d(dev, rev[i], rev[i], 3, 1, 1, true)
		}
		m.dec.levels = append(m.dec.levels, l)
	}
	m.register()
	return m, nil
}

// register names every parameter as diffusers does.
func (m *Model) register() {
	p := m.Params
	for _, side := range []struct {
		name, blocks, resample string
		c                      *coder
	}{{"encoder", "down_blocks", "downsamplers", &m.enc}, {"decoder", "up_blocks", "upsamplers", &m.dec}} {
		c := side.c
		c.in.Register(p, side.name+".conv_in")
		for i, l := range c.levels {
			for j, r := range l.resnets {
				r.register(p, fmt.Sprintf("%s.%s.%d.resnets.%d", side.name, side.blocks, i, j))
			}
			if l.resample != nil {
				l.resample.Register(p, fmt.Sprintf("%s.%s.%d.%s.0.conv", side.name, side.blocks, i, side.resample))
			}
		}
		c.mid.register(p, side.name+".mid_block")
		c.norm.Register(p, side.name+".conv_norm_out")
		c.out.Register(p, side.name+".conv_out")
	}
	m.quant.Register(p, "quant_conv")
	m.postQuant.Register(p, "post_quant_conv")
}

// Encode maps images x [B, InChannels, H, W] (values in [−1, 1]) to the
// mean and log-variance of their latents, each [B, LatentChannels,
// H/Downscale, W/Downscale]; the log-variance is clamped to [−30, 20] as
// diffusers clamps it. A latent is mean + exp(logvar/2)·ε.
func (m *Model) Encode(g *autograd.Graph, x *autograd.Var) (mean, logvar *autograd.Var) {
	h := m.enc.in.Forward(g, x)
	for _, l := range m.enc.levels {
		for _, r := range l.resnets {
			h = r.forward(g, h)
		}
		if l.resample != nil {
			h = downsample(g, l.resample, h)
		}
	}
	h = m.enc.out.Forward(g, m.enc.norm.ForwardSiLU(g, m.enc.mid.forward(g, h), nil, nil))
	moments := g.Chunk(m.quant.Forward(g, h), 2, 1)
	dev := x.Value.Device()
	low, high := g.Const(g.Own(tensor.Full(dev, -30, 1))), g.Const(g.Own(tensor.Full(dev, 20, 1)))
	return moments[0], g.Max(g.Min(moments[1], high), low)
}

// Decode maps latents z [B, LatentChannels, h, w] (unscaled: divide a
// diffusion model's sample by ScalingFactor first) to images
// [B, OutChannels, h·Downscale, w·Downscale].
func (m *Model) Decode(g *autograd.Graph, z *autograd.Var) *autograd.Var {
	h := m.dec.mid.forward(g, m.dec.in.Forward(g, m.postQuant.Forward(g, z)))
	for _, l := range m.dec.levels {
		for _, r := range l.resnets {
			h = r.forward(g, h)
		}
		if l.resample != nil {
			h = upsample(g, l.resample, h)
		}
	}
	return m.dec.out.Forward(g, m.dec.norm.ForwardSiLU(g, h, nil, nil))
}

// oldAttentionNames are diffusers' earlier names of the middle blocks'
// attention layers, which some published files still use, and the
// current ones.
var oldAttentionNames = [][2]string{{".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}}

// Load copies the VAE's weights from f, whose names start with prefix
// ("" for diffusers' own file), checking every shape. Either attention
// naming loads. It fails naming the first tensor that is missing or has
// another shape, and then loads nothing.
func (m *Model) Load(f *nn.File, prefix string) error {
	renamed := &nn.File{Metadata: f.Metadata, Tensors: make([]nn.Tensor, len(f.Tensors)), Verified: f.Verified}
	for i, t := range f.Tensors {
		if strings.Contains(t.Name, ".attentions.") {
			for _, n := range oldAttentionNames {
				t.Name = strings.Replace(t.Name, n[0], n[1], 1)
			}
		}
		renamed.Tensors[i] = t
	}
	if err := m.Params.Load(renamed, prefix); err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	return nil
}

// Release frees the weights.
func (m *Model) Release() { m.Params.Release() }

// Save writes the VAE alone as a safetensors file with diffusers' names and
// its config in the metadata.
func (m *Model) Save(path string) error {
	ts, err := m.Params.Tensors("")
	if err != nil {
		return err
	}
	return nn.WriteFile(path, ts, map[string]string{ConfigKey: m.Config.JSON()})
}

// ReadFile loads a VAE from a safetensors file on dev: one that Save wrote
// (its config in the metadata), or diffusers' own
// diffusion_pytorch_model.safetensors, which has none and is taken to be
// SD's. Every tensor is checked, F32 or F16 alike.
func ReadFile(dev tensor.Device, path string) (*Model, error) {
	f, err := nn.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	c := SD()
	if js, ok := f.Metadata[ConfigKey]; ok {
		if c, err = ParseConfig(js); err != nil {
			return nil, fmt.Errorf("vae: %s: %w", path, err)
		}
	}
	m, err := New(dev, c)
	if err != nil {
		return nil, err
	}
	if err := m.Load(f, ""); err != nil {
		m.Release()
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return m, nil
}
