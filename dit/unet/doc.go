// Package unet is the ADM U-Net (Dhariwal & Nichol, "Diffusion Models Beat
// GANs on Image Synthesis", 2021; the improved-diffusion and
// guided-diffusion UNetModel): the convolutional denoiser that the DiT
// paper compares with and argues against. It is trained and sampled with
// the same diffusion (package dit/diffusion) as the DiT.
//
// Files: config.go (the shape and the named ladder UNet-S/B/L/XL),
// plan.go (the layout of levels and blocks, and the FLOP count), then the
// layers bottom-up: resblock.go, attention.go, resample.go, and model.go
// (the whole network).
//
// The conventions that checkpoints depend on follow the public code:
// parameter names (time_embed.0, label_emb, input_blocks.N.M.*,
// middle_block.*, output_blocks.N.M.*, out.*), weight layouts
// (convolutions [out, in, k, k], the attention's qkv and proj_out as 1-D
// convolutions [out, in, 1]), the legacy head order of qkv, the
// scale-shift norm in every ResBlock (use_scale_shift_norm), GroupNorm
// (32 groups in the public models; Config.Groups), nearest upsampling and stride-2 convolutions for
// downsampling, and the timestep features of width Base. The label table
// has one more row, the null class for classifier-free guidance, when
// ClassDropout > 0.
//
// The ResBlocks' dropout (Config.Dropout) acts only in a graph in training
// mode (autograd.Graph.UseRNG), with masks from that graph's Philox
// stream; the trainer gives it the stream of its noise, which its
// checkpoint saves, so a resumed run draws the same masks.
//
// Shapes use the engine's legend: B batch, C channels, H×W the feature
// map, T = H·W positions, E = 4·Base the embedding width.
package unet
