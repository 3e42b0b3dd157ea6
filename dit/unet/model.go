package unet

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// layer is one module of a block: every layer takes the features and the
// embedding (which only a ResBlock uses), as TimestepEmbedSequential does.
type layer interface {
	forward(g *autograd.Graph, x, emb *autograd.Var) *autograd.Var
	register(p *nn.Params, prefix string)
	init(r *rand.Rand)
}

// Block is one entry of input_blocks, middle_block or output_blocks: its
// layers, applied in order.
type Block []layer

func (b Block) forward(g *autograd.Graph, x, emb *autograd.Var) *autograd.Var {
	for _, l := range b {
		x = l.forward(g, x, emb)
	}
	return x
}

// Model is an ADM U-Net (Dhariwal & Nichol 2021), the convolutional
// denoiser the DiT paper compares with, class-conditional, with the public
// code's parameter names and layouts.
type Model struct {
	Config Config
	Params *nn.Params // every parameter under its state_dict name

	TimeEmbed0, TimeEmbed2 *nn.Linear    // time_embed.0, time_embed.2: Base → E → E
	LabelEmb               *nn.Embedding // label_emb: [Classes (+1 null), E]
	Input                  []Block       // input_blocks
	Middle                 Block         // middle_block
	Output                 []Block       // output_blocks
	OutNorm                *nn.GroupNorm // out.0
	OutConv                *nn.Conv2d    // out.2

	// GradCheckpoint recomputes each block in the backward pass instead of
	// keeping its activations (autograd.Graph.Checkpoint), as the DiT's
	// does; graphs without gradients always run block by block.
	GradCheckpoint bool
	// Precision of the matrix products (Linear layers and attention;
	// convolutions stay float32), as dit.Model.Precision.
	Precision autograd.Precision

	dev tensor.Device
}

// New builds a U-Net on dev with every weight zero (GroupNorm scales one);
// call Init for ADM's initialisation, or load a checkpoint.
func New(dev tensor.Device, c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	e := c.EmbedDim()
	rows := c.Classes
	if c.ClassDropout > 0 {
		rows++ // the null class
	}
	m := &Model{
		Config:     c,
		Params:     &nn.Params{},
		TimeEmbed0: nn.NewLinear(dev, c.Base, e, true),
		TimeEmbed2: nn.NewLinear(dev, e, e, true),
		LabelEmb:   nn.NewEmbedding(dev, rows, e),
		dev:        dev,
	}
	build := func(specs []layerSpec) Block {
		var b Block
		for _, s := range specs {
			switch s.kind {
			case kindInput:
				b = append(b, inputConv{nn.NewConv2d(dev, s.in, s.out, 3, 1, 1, true)})
			case kindRes:
				b = append(b, newResBlock(dev, c, s.in, s.out))
			case kindAttn:
				b = append(b, newAttentionBlock(dev, c, s.out))
			case kindDown:
				b = append(b, newDownsample(dev, s.out))
			case kindUp:
				b = append(b, newUpsample(dev, s.out))
			}
		}
		return b
	}
	p := c.layout()
	for _, specs := range p.input {
		m.Input = append(m.Input, build(specs))
	}
	m.Middle = build(p.middle)
	for _, specs := range p.output {
		m.Output = append(m.Output, build(specs))
	}
	m.OutNorm = nn.NewGroupNorm(dev, c.Groups, p.outCh)
	m.OutConv = nn.NewConv2d(dev, p.outCh, c.OutChannels(), 3, 1, 1, true)

	// Registration order is the public state_dict's.
	ps := m.Params
	m.TimeEmbed0.Register(ps, "time_embed.0")
	m.TimeEmbed2.Register(ps, "time_embed.2")
	m.LabelEmb.Register(ps, "label_emb")
	for i, b := range m.Input {
		b.register(ps, fmt.Sprintf("input_blocks.%d", i))
	}
	m.Middle.register(ps, "middle_block")
	for i, b := range m.Output {
		b.register(ps, fmt.Sprintf("output_blocks.%d", i))
	}
	m.OutNorm.Register(ps, "out.0")
	m.OutConv.Register(ps, "out.2")
	return m, nil
}

func (b Block) register(p *nn.Params, prefix string) {
	for j, l := range b {
		l.register(p, fmt.Sprintf("%s.%d", prefix, j))
	}
}

// Init sets ADM's initial weights from seed: PyTorch's default for every
// Linear and convolution (uniform in ±1/√fan_in), N(0, 1) for the label
// table, GroupNorm at scale 1 and shift 0, and zeros for the last
// convolution of every ResBlock, every attention block's output projection
// and the output convolution, so that the untrained model outputs 0.
func (m *Model) Init(seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x0e7))
	m.TimeEmbed0.InitDefault(r)
	m.TimeEmbed2.InitDefault(r)
	nn.Normal(m.LabelEmb.Table.Value, 1, r)
	for _, b := range m.blocks() {
		for _, l := range b {
			l.init(r)
		}
	}
	zero(m.OutConv.Weight, m.OutConv.Bias)
}

// blocks are the input, middle and output blocks in order.
func (m *Model) blocks() []Block {
	return append(append(append([]Block{}, m.Input...), m.Middle), m.Output...)
}

// Forward predicts the noise (and, with LearnSigma, the variance
// interpolation) for noisy images x [B, C, H, W] at timesteps t with
// labels y (Classes is the null label), as [B, C_out, H, W]: the public
// UNetModel.forward. The encoder's outputs are kept and concatenated, last
// first, to the decoder's inputs along the channels.
func (m *Model) Forward(g *autograd.Graph, x *autograd.Var, t []float32, y []int32) *autograd.Var {
	if b := x.Value.Dim(0); len(t) != b || len(y) != b {
		panic(fmt.Sprintf("unet.Forward: batch %d with %d timesteps and %d labels", b, len(t), len(y)))
	}
	defer g.Autocast(m.Precision)()
	c := m.Config
	freq := g.Const(g.Own(tensor.FromSlice(m.dev, nn.TimestepFeatures(t, c.Base), len(t), c.Base)))
	emb := m.TimeEmbed2.Forward(g, g.SiLU(m.TimeEmbed0.Forward(g, freq)))
	emb = g.Add(emb, m.LabelEmb.Forward(g, g.Own(tensor.FromInt32(m.dev, y, len(y)))))

	var skips []*autograd.Var
	h := x
	for _, b := range m.Input {
		h = m.run(g, b, h, emb)
		skips = append(skips, h)
	}
	h = m.run(g, m.Middle, h, emb)
	for _, b := range m.Output {
		skip := skips[len(skips)-1]
		skips = skips[:len(skips)-1]
		h = m.run(g, b, g.Concat(1, h, skip), emb)
	}
	return m.OutConv.Forward(g, m.OutNorm.ForwardSiLU(g, h, nil, nil))
}

// run is b.forward, through a checkpoint where GradCheckpoint asks for one
// and in every graph without gradients.
func (m *Model) run(g *autograd.Graph, b Block, x, emb *autograd.Var) *autograd.Var {
	if g.RecordsGrad() && !m.GradCheckpoint {
		return b.forward(g, x, emb)
	}
	return g.Checkpoint(func(sub *autograd.Graph, in []*autograd.Var) *autograd.Var {
		return b.forward(sub, in[0], in[1])
	}, x, emb)
}

// Drop returns a copy of labels with each replaced by the null class with
// probability ClassDropout, drawn from r: the label dropout of training.
func (m *Model) Drop(labels []int32, r *rand.Rand) []int32 {
	out := append([]int32(nil), labels...)
	if m.Config.ClassDropout == 0 {
		return out
	}
	for i := range out {
		if r.Float64() < m.Config.ClassDropout {
			out[i] = int32(m.Config.Classes)
		}
	}
	return out
}

// Spec is what the diffusion process needs to know of the model.
func (m *Model) Spec() diffusion.Spec {
	c := m.Config
	return diffusion.Spec{Channels: c.Channels, Size: c.InputSize, Classes: c.Classes, NullClass: c.ClassDropout > 0, LearnSigma: c.LearnSigma}
}

// Device is where the model's parameters live.
func (m *Model) Device() tensor.Device { return m.dev }

// Release frees every parameter.
func (m *Model) Release() { m.Params.Release() }
