// Package dit is the Diffusion Transformer of Peebles & Xie ("Scalable
// Diffusion Models with Transformers", ICCV 2023) and its diffusion: the
// noise schedule, the hybrid training loss, and the DDPM and DDIM samplers
// with classifier-free guidance.
//
// The model follows the paper and its public PyTorch reference exactly —
// layer layout, initialisation and parameter names — so checkpoints move
// between the two. Files, bottom-up: config.go (the S/B/L/XL × 2/4/8
// configs), embed.go (patch, timestep and label embedders, the fixed
// position table), block.go (the adaLN-Zero block), final.go (the final
// layer), model.go (the whole network), checkpoint.go.
//
// Shapes use the engine's legend: B batch, T tokens, D hidden, H heads,
// C channels, P patch size, N diffusion steps.
//
// This package imports nn, autograd, tensor and the standard library.
package dit
