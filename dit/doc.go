// Package dit is the Diffusion Transformer of Peebles & Xie ("Scalable
// Diffusion Models with Transformers", ICCV 2023). Its diffusion — the
// noise schedule, the hybrid training loss, and the DDPM and DDIM samplers
// with classifier-free guidance — is package dit/diffusion, which takes any
// denoiser; Model.Spec tells it what this one expects.
//
// The model follows the paper and its public PyTorch reference exactly —
// layer layout, initialisation and parameter names — so checkpoints move
// between the two. Files, bottom-up: config.go (the S/B/L/XL × 2/4/8
// configs), embed.go (patch, timestep and label embedders, the fixed
// position table), block.go (the adaLN-Zero block), final.go (the final
// layer), model.go (the whole network), checkpoint.go.
//
// The conventions that checkpoints depend on (and that the independent
// PyTorch model of testdata/dit_torch.py follows too):
//
//   - Configs S/B/L/XL × patch 2/4/8: depth, hidden size and heads are
//     (12, 384, 6), (12, 768, 12), (24, 1024, 16) and (28, 1152, 16);
//     DiT-XL/2 at 256 px has 675,129,632 parameters, counting the frozen
//     position table.
//   - The patch embedding is a Conv2d with kernel = stride = P: its weight
//     is [D, C, P, P] and a patch is laid out (channel, row, col). A fixed
//     2-D sin-cos position table is added; it is frozen, but saved.
//   - The timestep embedding has 256 frequencies with max period 10000,
//     laid out [cos, sin], then Linear(256, D), SiLU, Linear(D, D). The
//     label table has Classes+1 rows, the last one the null class of
//     classifier-free guidance; labels are dropped with probability 0.1 in
//     training.
//   - The adaLN-Zero block: Linear(SiLU(c)) gives 6 chunks, shift, scale
//     and gate for attention, then the same three for the MLP; attention
//     has a fused qkv Linear(D, 3D) with bias and an output projection; the
//     MLP is tanh-GELU with ratio 4. The final layer is adaLN (shift, scale)
//     and Linear(D, P·P·C_out); unpatchify reads each token as (row, col,
//     channel), channel fastest.
//   - Initialisation: Xavier-uniform for every Linear with zero bias (the
//     patch weight on its [D, C·P·P] view), Normal(0.02) for the label table
//     and the timestep MLP, and zeros for every adaLN output Linear and the
//     final Linear, so the untrained model outputs exactly 0.
//   - Parameter names are the public reference's state_dict keys
//     (pos_embed, x_embedder.proj.weight, t_embedder.mlp.0.weight,
//     y_embedder.embedding_table.weight, blocks.N.attn.qkv.weight,
//     blocks.N.adaLN_modulation.1.bias, final_layer.linear.weight, ...),
//     Linear weights [out, in].
//   - Diffusion (dit/diffusion): T = 1000 with a linear β schedule from 1e-4 to 0.02 in
//     float64; ε-prediction; with a learned variance, the hybrid loss MSE +
//     the variational bound in bits, with a stop-gradient on the mean and
//     the decoder NLL at t = 0. DDPM respaced to any step count, and DDIM
//     with η = 0. Guidance doubles the batch with null labels and guides
//     every channel by default; GuidedChannels: 3 reproduces the public
//     reference, which guides only the first three.
//
// Shapes use the engine's legend: B batch, T tokens, D hidden, H heads,
// C channels, P patch size, N diffusion steps.
//
// This package imports dit/diffusion, nn, autograd, tensor and the
// standard library.
package dit
