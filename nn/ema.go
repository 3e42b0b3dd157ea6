package nn

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// EMA keeps an exponential moving average of a model's parameters,
//
//	ema ← decay·ema + (1 − decay)·param
//
// after each optimizer step. DiT samples from these averaged weights (decay
// 0.9999 in the paper).
type EMA struct {
	Decay float32
	// Params holds the averages under the model's names, so the averaged
	// model is saved and loaded like the model itself.
	Params *Params

	src []Param // the model's parameters, in the same order
}

// NewEMA starts the average at a copy of the model's current parameters
// (frozen ones included, so the averaged model is complete).
func NewEMA(p *Params, decay float32) *EMA {
	e := &EMA{Decay: decay, Params: &Params{}}
	for _, q := range p.All() {
		avg := tensor.Zeros(q.Var.Value.Device(), q.Var.Value.Shape()...)
		tensor.EMA(avg, q.Var.Value, 0) // decay 0: a copy
		e.Params.add(Param{Name: q.Name, Var: autograd.Param(avg), Frozen: q.Frozen})
		e.src = append(e.src, q)
	}
	return e
}

// Update moves every average towards its parameter.
func (e *EMA) Update() {
	for i, q := range e.src {
		if !q.Frozen {
			tensor.EMA(e.Params.list[i].Var.Value, q.Var.Value, e.Decay)
		}
	}
}
