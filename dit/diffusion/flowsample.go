package diffusion

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// A rectified-flow model predicts the velocity v(x, t) of the line from
// data (t = 0) to noise (t = 1); sampling integrates dx/dt = v backwards,
// from the noise at t = 1 to t = 0, over the grid t_i = 1 − i/N.
//
//   - Euler takes one model evaluation a step: z ← z + (t_{i+1} − t_i)·v(z, t_i).
//   - Heun (the explicit trapezoidal rule) also evaluates v at the Euler
//     step's end and averages the two slopes, for second-order accuracy. Its
//     last step, to t = 0, stays an Euler step: N steps take 2N − 1 model
//     evaluations.
//
// Guidance mixes the velocities as the diffusion samplers mix ε:
// v = v_null + s·(v_cond − v_null).

// FlowGrid is the sampling grid of N steps: t_i = 1 − i/N for i = 0…N,
// each then moved by SD3's time shift t' = S·t / (1 + (S − 1)·t) (shift 0
// or 1: none). It runs from 1 down to 0.
func FlowGrid(steps int, shift float64) []float64 {
	if shift == 0 {
		shift = 1
	}
	ts := make([]float64, steps+1)
	for i := range ts {
		t := 1 - float64(i)/float64(steps)
		ts[i] = shift * t / (1 + (shift-1)*t)
	}
	return ts
}

// sampleFlow is Sample for the rectified-flow samplers, opt.Sampler
// "euler" or "heun", whose arguments Sample has checked.
func sampleFlow(m Denoiser, xT *tensor.Tensor, y []int32, opt SampleOptions) (*tensor.Tensor, error) {
	ts := FlowGrid(opt.Steps, opt.Shift)
	velocity := func(g *autograd.Graph, z *autograd.Var, t float64) *autograd.Var {
		v, _ := guidedOutput(g, m, z, float32(FlowTimestepScale*t), y, opt)
		return v
	}
	x := xT
	for i := range opt.Steps {
		h := ts[i+1] - ts[i] // negative: towards the data
		g := autograd.NewNoGradGraph()
		z := g.Const(x)
		d := velocity(g, z, ts[i])
		next := g.Add(z, g.Scale(d, float32(h)))
		if opt.Sampler == "heun" && i < opt.Steps-1 {
			d2 := velocity(g, next, ts[i+1])
			next = g.Add(z, g.Scale(g.Add(d, d2), float32(h/2)))
		}
		var err error
		if x, err = advance(g, next, x, xT, opt.Steps-1-i, opt); err != nil {
			return nil, err
		}
	}
	return x, nil
}
