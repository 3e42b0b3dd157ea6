package nn

import (
	"fmt"
	"math"
)

// TimestepFeatures is the sinusoidal embedding of diffusion timesteps that
// both the DiT and the ADM U-Net feed to their timestep MLP: with
// half = dim/2 frequencies f_i = 10000^(−i/half),
//
//	features[b] = [cos(t_b·f_0) … cos(t_b·f_{half−1}), sin(t_b·f_0) … sin(t_b·f_{half−1})]
//
// [len(t), dim], computed in float32 step by step as PyTorch does, so that
// both give the same features to the last bit or so (the arguments reach
// 999·f_0, where a float64 computation would differ by 1e-4).
func TimestepFeatures(t []float32, dim int) []float32 {
	if dim <= 0 || dim%2 != 0 {
		panic(fmt.Sprintf("nn.TimestepFeatures: dim %d, want a positive even number", dim))
	}
	half := dim / 2
	out := make([]float32, len(t)*dim)
	negLog := float32(-math.Log(10000))
	for i := range half {
		f := float32(math.Exp(float64(negLog * float32(i) / float32(half))))
		for b, tb := range t {
			arg := float64(tb * f)
			out[b*dim+i] = float32(math.Cos(arg))
			out[b*dim+half+i] = float32(math.Sin(arg))
		}
	}
	return out
}
