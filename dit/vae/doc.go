// Package vae is the Stable Diffusion VAE (diffusers' AutoencoderKL), the
// autoencoder the DiT paper's models work in: its encoder maps an image to
// the mean and log-variance of a latent with 4 channels at an eighth of
// the side, its decoder maps a latent back to an image. A latent diffusion
// model is trained on latents z = mean + std·ε scaled by ScalingFactor
// (0.18215), and its samples are decoded after dividing by it.
//
// The parameters have diffusers' names, so the public
// diffusion_pytorch_model.safetensors of stabilityai/sd-vae-ft-ema and
// -mse load as they are (Load), F32 or F16, with either of diffusers'
// attention namings. Small configs of the same architecture serve the
// tests.
//
// Reading order:
//
//	config.go  Config: the channels, levels and groups; SD, the public one
//	blocks.go  the ResNet block, the middle's attention, down- and upsampling
//	model.go   Model: New, Encode, Decode, Load
//
// Its PyTorch twin, written from the same architecture for the parity
// fixture, is testdata/vae_torch.py.
package vae
