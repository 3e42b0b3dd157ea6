package nn

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Embedding is a lookup table: row i is the vector of token (or class) i.
type Embedding struct {
	Table *autograd.Var // [rows, D]
}

// NewEmbedding makes a zero table of rows × d.
func NewEmbedding(dev tensor.Device, rows, d int) *Embedding {
	return &Embedding{Table: autograd.Param(tensor.Zeros(dev, rows, d))}
}

// Register adds prefix.weight, PyTorch's name for the table.
func (e *Embedding) Register(p *Params, prefix string) { p.Add(prefix+".weight", e.Table) }

// Forward returns the rows for idx, int32 [N], as [N, D].
func (e *Embedding) Forward(g *autograd.Graph, idx *tensor.Tensor) *autograd.Var {
	return g.Gather(e.Table, idx)
}
