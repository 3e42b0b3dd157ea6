package nn

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter, 2019),
// computed as PyTorch's torch.optim.AdamW does. The DiT paper trains with
// lr 1e-4, no weight decay, β = (0.9, 0.999).
type AdamW struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	// Step counts the updates made so far; the bias corrections use it.
	Step int

	params []Param
	m, v   []*tensor.Tensor // first and second moments, one per parameter
}

// NewAdamW makes an optimizer for the trainable parameters of p, with
// PyTorch's defaults for β and ε.
func NewAdamW(p *Params, lr, weightDecay float32) *AdamW {
	o := &AdamW{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
	for _, q := range p.Trainable() {
		dev, shape := q.Var.Value.Device(), q.Var.Value.Shape()
		o.params = append(o.params, q)
		o.m = append(o.m, tensor.Zeros(dev, shape...))
		o.v = append(o.v, tensor.Zeros(dev, shape...))
	}
	return o
}

// Update applies one step to every parameter from its gradient, then zeroes
// the gradients. A parameter that received no gradient this step is still
// decayed and moved by its moments, as in PyTorch when its grad is zero.
func (o *AdamW) Update() {
	o.Step++
	args := tensor.AdamWArgs{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay, Step: o.Step}
	for i, q := range o.params {
		if q.Var.Grad == nil { // never reached by a gradient: treat it as zero
			q.Var.Grad = tensor.Zeros(q.Var.Value.Device(), q.Var.Value.Shape()...)
		}
		tensor.AdamW(q.Var.Value, q.Var.Grad, o.m[i], o.v[i], args)
	}
	// The gradients are cleared only after every update has read its own:
	// on a GPU, the updates are then independent kernels that run side by
	// side, and so are the clears, with one barrier between the two groups
	// (vk/hazard.go) instead of one before every clear.
	for _, q := range o.params {
		q.Var.ZeroGrad()
	}
}

// State returns the moments for a checkpoint, named "adam.m.<param>" and
// "adam.v.<param>".
func (o *AdamW) State() ([]Tensor, error) {
	var out []Tensor
	for i, q := range o.params {
		for _, mv := range []struct {
			prefix string
			t      *tensor.Tensor
		}{{"adam.m.", o.m[i]}, {"adam.v.", o.v[i]}} {
			data, err := mv.t.ToHost()
			if err != nil {
				return nil, fmt.Errorf("nn: reading optimizer state of %s: %w", q.Name, err)
			}
			out = append(out, Tensor{Name: mv.prefix + q.Name, Shape: mv.t.Shape(), Data: data, DType: "F32"})
		}
	}
	return out, nil
}

// LoadState restores the moments written by State.
func (o *AdamW) LoadState(f *File) error {
	type item struct {
		t    *tensor.Tensor
		data []float32
	}
	var items []item
	for i, q := range o.params {
		shape := q.Var.Value.Shape()
		m, err := f.Expect("adam.m."+q.Name, shape...)
		if err != nil {
			return err
		}
		v, err := f.Expect("adam.v."+q.Name, shape...)
		if err != nil {
			return err
		}
		items = append(items, item{o.m[i], m.Data}, item{o.v[i], v.Data})
	}
	for _, it := range items {
		set(it.t, it.data)
	}
	return nil
}

// Release frees the moments.
func (o *AdamW) Release() {
	for i := range o.m {
		o.m[i].Release()
		o.v[i].Release()
	}
}
