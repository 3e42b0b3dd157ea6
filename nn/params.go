package nn

import (
	"fmt"
	"slices"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Param is a named parameter. Frozen ones (DiT's fixed position table) are
// saved in checkpoints but never trained.
type Param struct {
	Name   string
	Var    *autograd.Var
	Frozen bool
}

// Params is the ordered registry of a model's parameters.
type Params struct {
	list []Param
}

// Add registers a trainable parameter.
func (p *Params) Add(name string, v *autograd.Var) { p.add(Param{Name: name, Var: v}) }

// AddFrozen registers a parameter that is saved but not trained.
func (p *Params) AddFrozen(name string, v *autograd.Var) {
	p.add(Param{Name: name, Var: v, Frozen: true})
}

func (p *Params) add(q Param) {
	if _, ok := p.Get(q.Name); ok {
		panic(fmt.Sprintf("nn.Params: %q registered twice", q.Name))
	}
	p.list = append(p.list, q)
}

// All returns every parameter, in registration order.
func (p *Params) All() []Param { return slices.Clone(p.list) }

// Trainable returns the parameters that are not frozen.
func (p *Params) Trainable() []Param {
	var out []Param
	for _, q := range p.list {
		if !q.Frozen {
			out = append(out, q)
		}
	}
	return out
}

// Get finds a parameter by name.
func (p *Params) Get(name string) (Param, bool) {
	for _, q := range p.list {
		if q.Name == name {
			return q, true
		}
	}
	return Param{}, false
}

// Count is the number of scalars in all parameters, frozen ones included
// (the convention of the DiT paper's parameter counts).
func (p *Params) Count() int {
	n := 0
	for _, q := range p.list {
		n += q.Var.Value.Numel()
	}
	return n
}

// ZeroGrad zeroes every gradient.
func (p *Params) ZeroGrad() {
	for _, q := range p.list {
		q.Var.ZeroGrad()
	}
}

// Release frees every parameter's value and gradient.
func (p *Params) Release() {
	for _, q := range p.list {
		q.Var.Value.Release()
		if q.Var.Grad != nil {
			q.Var.Grad.Release()
		}
	}
}

// Tensors reads every parameter back to the host, for a checkpoint; prefix
// is put before each name ("ema." for the averaged weights, say).
func (p *Params) Tensors(prefix string) ([]Tensor, error) {
	out := make([]Tensor, 0, len(p.list))
	for _, q := range p.list {
		data, err := q.Var.Value.ToHost()
		if err != nil {
			return nil, fmt.Errorf("nn: reading parameter %s: %w", q.Name, err)
		}
		out = append(out, Tensor{Name: prefix + q.Name, Shape: q.Var.Value.Shape(), Data: data, DType: "F32"})
	}
	return out, nil
}

// Load copies the tensors named prefix+name from f into the parameters,
// checking every shape. It fails, naming the first problem, when a
// parameter is missing or has another shape; nothing is loaded then.
func (p *Params) Load(f *File, prefix string) error {
	found := make([]Tensor, len(p.list))
	for i, q := range p.list {
		t, err := f.Expect(prefix+q.Name, q.Var.Value.Shape()...)
		if err != nil {
			return err
		}
		found[i] = t
	}
	for i, q := range p.list {
		set(q.Var.Value, found[i].Data)
	}
	return nil
}

// set overwrites a tensor with host values.
func set(t *tensor.Tensor, data []float32) {
	t.Device().WriteFloat32(t.Buffer(), data)
}
