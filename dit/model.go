package dit

import (
	"fmt"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/dit/diffusion"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// Model is a DiT.
type Model struct {
	Config Config
	Params *nn.Params // every parameter under its state_dict name

	XEmbedder *PatchEmbed
	PosEmbed  *autograd.Var // [1, T, D], fixed, saved as pos_embed
	TEmbedder *TimestepEmbedder
	YEmbedder *LabelEmbedder
	Blocks    []*Block
	Final     *FinalLayer

	// GradCheckpoint makes a training step keep only each block's input
	// and output, not its activations, and recompute the block in the
	// backward pass (autograd.Graph.Checkpoint): the activations of one
	// block at a time instead of all of them, for one more forward pass of
	// the blocks. The gradients are the same bit for bit. It is a choice of
	// the run, not part of the model, and is not saved. In a graph without
	// gradients (sampling, evaluation) every block is checkpointed anyway:
	// there it costs nothing and frees each block's intermediates as soon
	// as the block is done.
	GradCheckpoint bool

	// Precision is the precision of the model's matrix products in
	// Forward, in training and sampling alike (autograd.Graph.Autocast):
	// with autograd.BF16 every Linear layer, the patch embedding and
	// attention multiply in bfloat16 and sum in float32, as PyTorch's CPU
	// autocast does, while the weights, layer norms and the residual
	// stream stay float32. Like GradCheckpoint it is a choice of the run
	// and is not saved with the weights.
	Precision autograd.Precision

	dev tensor.Device
}

// New builds a DiT on dev with every weight zero except the fixed position
// table; call Init for the paper's initialisation, or load a checkpoint.
func New(dev tensor.Device, c Config) (*Model, error) {
	if c.MLPRatio == 0 {
		c.MLPRatio = 4
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := &Model{
		Config:    c,
		Params:    &nn.Params{},
		XEmbedder: newPatchEmbed(dev, c),
		PosEmbed:  autograd.Param(tensor.FromSlice(dev, PosEmbed(c.Hidden, c.InputSize/c.Patch), 1, c.Tokens(), c.Hidden)),
		TEmbedder: newTimestepEmbedder(dev, c.Hidden),
		YEmbedder: newLabelEmbedder(dev, c),
		Final:     newFinalLayer(dev, c),
		dev:       dev,
	}
	for range c.Depth {
		m.Blocks = append(m.Blocks, newBlock(dev, c))
	}
	// Registration order is the public reference's state_dict order.
	p := m.Params
	p.AddFrozen("pos_embed", m.PosEmbed)
	p.Add("x_embedder.proj.weight", m.XEmbedder.Weight)
	p.Add("x_embedder.proj.bias", m.XEmbedder.Bias)
	m.TEmbedder.MLP0.Register(p, "t_embedder.mlp.0")
	m.TEmbedder.MLP2.Register(p, "t_embedder.mlp.2")
	m.YEmbedder.Table.Register(p, "y_embedder.embedding_table")
	for i, b := range m.Blocks {
		b.register(p, fmt.Sprintf("blocks.%d", i))
	}
	m.Final.register(p, "final_layer")
	return m, nil
}

// Init sets the paper's initial weights from seed:
//
//   - every Linear: Xavier-uniform weight, zero bias;
//   - the patch embedding: Xavier-uniform on its [D, C·P·P] view, zero bias;
//   - the label table and the timestep MLP's weights: N(0, 0.02²);
//   - every adaLN regression and the final Linear: zero, so each block
//     starts as the identity and the model's output starts at exactly 0.
func (m *Model) Init(seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x0d17))
	c := m.Config
	for _, b := range m.Blocks {
		b.Attn.InitXavier(r)
		b.MLP.InitXavier(r)
	}
	nn.XavierUniform(m.XEmbedder.Weight.Value, c.Channels*c.Patch*c.Patch, c.Hidden, r)
	tensor.Fill(m.XEmbedder.Bias.Value, 0)
	nn.Normal(m.YEmbedder.Table.Table.Value, 0.02, r)
	for _, l := range []*nn.Linear{m.TEmbedder.MLP0, m.TEmbedder.MLP2} {
		nn.Normal(l.Weight.Value, 0.02, r)
		tensor.Fill(l.Bias.Value, 0)
	}
	zero := []*nn.Linear{m.Final.AdaLN, m.Final.Linear}
	for _, b := range m.Blocks {
		zero = append(zero, b.AdaLN)
	}
	for _, l := range zero {
		tensor.Fill(l.Weight.Value, 0)
		tensor.Fill(l.Bias.Value, 0)
	}
}

// Forward predicts the noise (and, with LearnSigma, the variance
// interpolation) for noisy images x [B, C, H, W] at timesteps t (one per
// sample) with class labels y (the null class is label Config.Classes). It
// returns [B, C_out, H, W]: channels 0..C−1 are ε, C..2C−1 are v.
func (m *Model) Forward(g *autograd.Graph, x *autograd.Var, t []float32, y []int32) *autograd.Var {
	c := m.Config
	if b := x.Value.Dim(0); len(t) != b || len(y) != b {
		panic(fmt.Sprintf("dit.Forward: batch %d with %d timesteps and %d labels", b, len(t), len(y)))
	}
	defer g.Autocast(m.Precision)()
	h := g.Add(m.XEmbedder.Forward(g, x), g.Const(m.PosEmbed.Value))                  // [B, T, D]
	cond := g.Add(m.TEmbedder.Forward(g, m.dev, t), m.YEmbedder.Forward(g, m.dev, y)) // [B, D]
	for _, b := range m.Blocks {
		h = m.runBlock(g, b, h, cond) // [B, T, D]
	}
	out := m.Final.Forward(g, h, cond)                                           // [B, T, P·P·C_out]
	return g.Unpatchify(out, c.Patch, c.OutChannels(), c.InputSize, c.InputSize) // [B, C_out, H, W]
}

// runBlock is b.Forward, through a checkpoint where GradCheckpoint asks for
// one and in every graph without gradients.
func (m *Model) runBlock(g *autograd.Graph, b *Block, x, c *autograd.Var) *autograd.Var {
	if g.RecordsGrad() && !m.GradCheckpoint {
		return b.Forward(g, x, c)
	}
	return g.Checkpoint(func(sub *autograd.Graph, in []*autograd.Var) *autograd.Var {
		return b.Forward(sub, in[0], in[1])
	}, x, c)
}

// Drop returns a copy of labels with each replaced by the null class with
// probability Config.ClassDropout: the label dropout of training
// (LabelEmbedder.Drop).
func (m *Model) Drop(labels []int32, r *rand.Rand) []int32 { return m.YEmbedder.Drop(labels, r) }

// Device is where the model's parameters live.
func (m *Model) Device() tensor.Device { return m.dev }

// Release frees every parameter.
func (m *Model) Release() { m.Params.Release() }

// Spec is what the diffusion process (package diffusion) needs to know of
// the model: its images, its labels and whether it learns its variance.
func (m *Model) Spec() diffusion.Spec {
	c := m.Config
	return diffusion.Spec{Channels: c.Channels, Size: c.InputSize, Classes: c.Classes, NullClass: c.ClassDropout > 0, LearnSigma: c.LearnSigma}
}
