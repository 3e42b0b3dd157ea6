package nn

import (
	"math"
	"math/rand/v2"

	"github.com/ditgo/ditgo/tensor"
)

// Initialisers fill a parameter on the host from a seeded generator and
// upload it, so that a model's initial weights depend only on the seed.

// XavierUniform fills t with U(−a, a), a = √(6 / (fanIn + fanOut)) (Glorot &
// Bengio 2010), the initialisation of every Linear in DiT.
func XavierUniform(t *tensor.Tensor, fanIn, fanOut int, r *rand.Rand) {
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	data := make([]float32, t.Numel())
	for i := range data {
		data[i] = float32((2*r.Float64() - 1) * a)
	}
	set(t, data)
}

// Uniform fills t with U(−bound, bound): PyTorch's default for Linear and
// convolution layers, with bound = 1/√fan_in.
func Uniform(t *tensor.Tensor, bound float64, r *rand.Rand) {
	data := make([]float32, t.Numel())
	for i := range data {
		data[i] = float32((2*r.Float64() - 1) * bound)
	}
	set(t, data)
}

// Normal fills t with N(0, std²).
func Normal(t *tensor.Tensor, std float64, r *rand.Rand) {
	data := make([]float32, t.Numel())
	for i := range data {
		data[i] = float32(r.NormFloat64() * std)
	}
	set(t, data)
}

// Set fills t with the given host values.
func Set(t *tensor.Tensor, data []float32) {
	if len(data) != t.Numel() {
		panic("nn.Set: wrong number of values")
	}
	set(t, data)
}
