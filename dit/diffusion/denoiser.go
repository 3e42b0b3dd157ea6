package diffusion

import (
	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// Denoiser is what the diffusion process needs of a model: a network that
// takes noisy images, their timesteps and their class labels, and predicts
// the noise (and, with a learned variance, where the variance lies). The
// DiT (package dit) is one; the training loss and the samplers take any.
type Denoiser interface {
	// Forward predicts, for noisy images x [B, C, H, W] at timesteps t (one
	// per image, possibly fractional) with labels y, the noise ε
	// [B, C, H, W], followed along the channels by the variance
	// interpolation v [B, C, H, W] when the model learns its variance.
	Forward(g *autograd.Graph, x *autograd.Var, t []float32, y []int32) *autograd.Var
	// Spec describes the images, labels and outputs the model was built
	// for.
	Spec() Spec
	// Device is where the model's parameters live.
	Device() tensor.Device
}

// Spec is a denoiser's side of the contract: the shape of its images, its
// labels, and what it predicts.
type Spec struct {
	Channels, Size int // images [B, Channels, Size, Size]
	Classes        int // labels 0 … Classes−1, and Classes for "no label" when NullClass
	// NullClass says the model learned the null label Classes (by label
	// dropout in training), which classifier-free guidance needs.
	NullClass bool
	// LearnSigma says the output has 2·Channels channels: ε, then v.
	LearnSigma bool
}
