package nn

import (
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Linear is y = x·Wᵀ + b with W stored [out, in], PyTorch's layout.
type Linear struct {
	Weight *autograd.Var // [out, in]
	Bias   *autograd.Var // [out], or nil
}

// NewLinear makes a Linear with zero weights; call Init or load a
// checkpoint.
func NewLinear(dev tensor.Device, in, out int, bias bool) *Linear {
	l := &Linear{Weight: autograd.Param(tensor.Zeros(dev, out, in))}
	if bias {
		l.Bias = autograd.Param(tensor.Zeros(dev, out))
	}
	return l
}

// InitXavier sets W to Xavier-uniform and b to zero, DiT's default for
// every Linear.
func (l *Linear) InitXavier(r *rand.Rand) {
	out, in := l.Weight.Value.Dim(0), l.Weight.Value.Dim(1)
	XavierUniform(l.Weight.Value, in, out, r)
	if l.Bias != nil {
		tensor.Fill(l.Bias.Value, 0)
	}
}

// InitDefault is PyTorch's default initialisation of a Linear (and of a
// 1-D convolution stored as one, weight [out, in, 1]): weight and bias
// uniform in ±1/√fan_in.
func (l *Linear) InitDefault(r *rand.Rand) {
	w := l.Weight.Value
	bound := 1 / math.Sqrt(float64(w.Numel()/w.Dim(0)))
	Uniform(w, bound, r)
	if l.Bias != nil {
		Uniform(l.Bias.Value, bound, r)
	}
}

// Register adds prefix.weight and prefix.bias.
func (l *Linear) Register(p *Params, prefix string) {
	p.Add(prefix+".weight", l.Weight)
	if l.Bias != nil {
		p.Add(prefix+".bias", l.Bias)
	}
}

// Forward maps x [..., in] to [..., out].
func (l *Linear) Forward(g *autograd.Graph, x *autograd.Var) *autograd.Var {
	return g.Linear(x, l.Weight, l.Bias)
}
