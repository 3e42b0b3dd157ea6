package autograd

import "github.com/ditgo/ditgo/tensor"

// Upsample2x doubles the height and width of x [B, C, H, W] by
// nearest-neighbour interpolation, giving [B, C, 2H, 2W]; the gradient of
// each input element is the sum of its 2×2 block (see tensor.Upsample2x).
func (g *Graph) Upsample2x(x *Var) *Var {
	out := g.result(tensor.Upsample2x(x.Value), x)
	out.backward = func() { g.accumulate(x, tensor.Upsample2xBackward(out.Grad)) }
	return out
}
