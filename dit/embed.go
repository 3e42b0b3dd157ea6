package dit

import (
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/nn"
	"github.com/ditgo/ditgo/tensor"
)

// ---------------------------------------------------------------------------
// Patch embedding
// ---------------------------------------------------------------------------

// PatchEmbed cuts the image into P×P patches and projects each to D: a
// Conv2d with kernel = stride = P, computed as Patchify then a Linear.
type PatchEmbed struct {
	Patch  int
	Weight *autograd.Var // [D, C, P, P], the Conv2d layout
	Bias   *autograd.Var // [D]
}

func newPatchEmbed(dev tensor.Device, c Config) *PatchEmbed {
	return &PatchEmbed{
		Patch:  c.Patch,
		Weight: autograd.Param(tensor.Zeros(dev, c.Hidden, c.Channels, c.Patch, c.Patch)),
		Bias:   autograd.Param(tensor.Zeros(dev, c.Hidden)),
	}
}

// Forward maps images x [B, C, H, W] to tokens [B, T, D].
func (p *PatchEmbed) Forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	d := p.Weight.Value.Dim(0)
	patches := g.Patchify(x, p.Patch)   // [B, T, C·P·P], each patch (channel, row, col)
	w := g.Reshape(p.Weight, d, -1)     // [D, C·P·P], the same layout
	return g.Linear(patches, w, p.Bias) // [B, T, D]
}

// ---------------------------------------------------------------------------
// Timestep embedding
// ---------------------------------------------------------------------------

// frequencyDim is the width of the sinusoidal timestep features.
const frequencyDim = 256

// TimestepEmbedder maps a diffusion timestep to a D vector: sinusoidal
// features, then Linear(256, D), SiLU, Linear(D, D).
type TimestepEmbedder struct {
	MLP0, MLP2 *nn.Linear // named mlp.0 and mlp.2 (mlp.1 is the SiLU)
}

func newTimestepEmbedder(dev tensor.Device, d int) *TimestepEmbedder {
	return &TimestepEmbedder{MLP0: nn.NewLinear(dev, frequencyDim, d, true), MLP2: nn.NewLinear(dev, d, d, true)}
}

// Forward embeds timesteps t (one per sample, possibly fractional) as [B, D].
func (e *TimestepEmbedder) Forward(g *autograd.Graph, dev tensor.Device, t []float32) *autograd.Var {
	freq := g.Const(g.Own(tensor.FromSlice(dev, nn.TimestepFeatures(t, frequencyDim), len(t), frequencyDim)))
	return e.MLP2.Forward(g, g.SiLU(e.MLP0.Forward(g, freq)))
}

// ---------------------------------------------------------------------------
// Label embedding
// ---------------------------------------------------------------------------

// LabelEmbedder maps class labels to D vectors. With classifier-free
// guidance its table has one extra row, the null class (label = Classes),
// which training substitutes for a random tenth of the labels and which
// guidance uses as the unconditional input.
type LabelEmbedder struct {
	Classes int
	Dropout float64
	Table   *nn.Embedding // [Classes (+1), D]
}

func newLabelEmbedder(dev tensor.Device, c Config) *LabelEmbedder {
	rows := c.Classes
	if c.ClassDropout > 0 {
		rows++
	}
	return &LabelEmbedder{Classes: c.Classes, Dropout: c.ClassDropout, Table: nn.NewEmbedding(dev, rows, c.Hidden)}
}

// Drop returns a copy of labels with each replaced by the null class with
// probability Dropout, drawn from r: the label dropout of training.
func (e *LabelEmbedder) Drop(labels []int32, r *rand.Rand) []int32 {
	out := append([]int32(nil), labels...)
	if e.Dropout == 0 {
		return out
	}
	for i := range out {
		if r.Float64() < e.Dropout {
			out[i] = int32(e.Classes)
		}
	}
	return out
}

// Forward embeds labels (already dropped, if training) as [B, D].
func (e *LabelEmbedder) Forward(g *autograd.Graph, dev tensor.Device, labels []int32) *autograd.Var {
	idx := g.Own(tensor.FromInt32(dev, labels, len(labels)))
	return e.Table.Forward(g, idx)
}

// ---------------------------------------------------------------------------
// Fixed 2D sin-cos position table
// ---------------------------------------------------------------------------

// PosEmbed returns the fixed position table [T, D] of a grid×grid patch
// grid (the MAE construction that DiT uses). Token k sits at row k/grid,
// column k%grid. The first D/2 features encode the column and the last D/2
// the row, each as [sin(p·ω_0) … sin(p·ω_{n−1}), cos(p·ω_0) … cos(p·ω_{n−1})]
// with n = D/4 and ω_i = 10000^(−i/n).
func PosEmbed(d, grid int) []float32 {
	n := d / 4
	out := make([]float32, grid*grid*d)
	for k := range grid * grid {
		row, col := k/grid, k%grid
		for half, pos := range []int{col, row} {
			for i := range n {
				omega := 1 / math.Pow(10000, float64(i)/float64(n))
				arg := float64(pos) * omega
				out[k*d+half*d/2+i] = float32(math.Sin(arg))
				out[k*d+half*d/2+n+i] = float32(math.Cos(arg))
			}
		}
	}
	return out
}
