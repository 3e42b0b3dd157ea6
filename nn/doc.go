// Package nn holds the layers a DiT is made of, the optimizer, the weight
// average, initialisers and safetensors checkpoints.
//
// A layer is a struct of parameters (autograd.Var made by autograd.Param)
// with a Forward method that builds its ops on a Graph. Stateless layers —
// SiLU, GELU, LayerNorm-modulation — are Graph ops used directly
// (g.SiLU, g.LayerNormModulate). Every layer registers its parameters in a
// Params under stable dotted names, the names of the public DiT
// state_dict ("blocks.0.attn.qkv.weight"), so that checkpoints move between
// this engine and PyTorch.
//
// Shapes use the engine's legend: B batch, T tokens, D hidden, H heads,
// Dh head dim.
//
// This package imports autograd, tensor and the standard library.
package nn
