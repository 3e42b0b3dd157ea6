package nn

import (
	"fmt"
	"slices"

	"github.com/ditgo/ditgo/tensor"
)

// EMA keeps an exponential moving average of a model's parameters,
//
//	avg ← decay·avg + (1 − decay)·param
//
// after each optimizer step. DiT samples from these averaged weights (decay
// 0.9999 in the paper). The averages live in a second model of the same
// shape, so that the averaged model can be run, saved and loaded like any
// other.
type EMA struct {
	Decay    float32
	src, dst []Param
}

// NewEMA copies the parameters of src into avg — a registry with the same
// names and shapes, such as a second instance of the model — and returns
// the average that Update maintains.
func NewEMA(src, avg *Params, decay float32) (*EMA, error) {
	e := &EMA{Decay: decay, src: src.All(), dst: avg.All()}
	if len(e.src) != len(e.dst) {
		return nil, fmt.Errorf("nn: EMA of %d parameters into %d", len(e.src), len(e.dst))
	}
	for i, p := range e.src {
		q := e.dst[i]
		if p.Name != q.Name || !slices.Equal(p.Var.Value.Shape(), q.Var.Value.Shape()) {
			return nil, fmt.Errorf("nn: EMA parameter %s %v does not match %s %v", p.Name, p.Var.Value.Shape(), q.Name, q.Var.Value.Shape())
		}
		tensor.EMA(q.Var.Value, p.Var.Value, 0) // decay 0: a copy
	}
	return e, nil
}

// Update moves every average towards its parameter; frozen parameters are
// copies already and stay as they are.
func (e *EMA) Update() {
	for i, p := range e.src {
		if !p.Frozen {
			tensor.EMA(e.dst[i].Var.Value, p.Var.Value, e.Decay)
		}
	}
}
