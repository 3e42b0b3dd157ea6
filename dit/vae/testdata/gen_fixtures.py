"""Writes the PyTorch parity fixture of the Go VAE (parity_vae.safetensors):
a small AutoencoderKL (vae_torch.py, diffusers' names) with random weights,
an image batch with its encoder's mean and log-variance, and a latent batch
with its decoding, the gradient through the decoder of Σ decoded·w (with
respect to the latent and a parameter of each kind of layer); and the same
weights in float16 alone
(vae_f16.safetensors), as diffusers writes half-precision files.

Run from this folder with Debian's torch:  /usr/bin/python3 gen_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import safetensors_io  # noqa: E402
from vae_torch import AutoencoderKL  # noqa: E402

torch.set_num_threads(1)

# The parameters whose gradients the fixture records.
GRAD_PARAMS = ["post_quant_conv.weight", "decoder.conv_in.weight", "decoder.mid_block.attentions.0.to_q.weight",
               "decoder.mid_block.attentions.0.group_norm.weight", "decoder.up_blocks.0.upsamplers.0.conv.weight",
               "decoder.up_blocks.1.resnets.0.conv_shortcut.weight", "decoder.conv_out.bias"]

if __name__ == "__main__":
    # Two levels (8×8, then 4×4 latents), a channel change in each
    # direction (shortcut convolutions), one downsampling and one
    # upsampling, single-head attention over 16 positions in both middles.
    cfg = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[8, 16],
               layers_per_block=1, norm_num_groups=4)
    g = torch.Generator().manual_seed(20)
    model = AutoencoderKL(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
        x = torch.rand(2, 3, 8, 8, generator=g) * 2 - 1
        z = torch.randn(2, 4, 4, 4, generator=g)
        mean, logvar = model.encode(x)
        decoded = model.decode(z)
    # The gradient through the decoder of loss = Σ decoded·w for a fixed w:
    # with respect to the latent and to a parameter of each kind of layer.
    w = torch.randn(decoded.shape, generator=g)
    zg = z.clone().requires_grad_(True)
    (model.decode(zg) * w).sum().backward()
    grads = {"grad.z": zg.grad}
    for name in GRAD_PARAMS:
        grads["grad." + name] = dict(model.named_parameters())[name].grad
    fx = {"vae." + k: v for k, v in model.state_dict().items()}
    fx.update({"x": x, "mean": mean, "logvar": logvar, "z": z, "decoded": decoded, "loss_weight": w, **grads})
    safetensors_io.save("parity_vae.safetensors", fx, {"vae_config": json.dumps(cfg)})
    # The weights alone in half precision with diffusers' names, as
    # diffusers writes fp16 files, and the config; latents for the
    # converted DiT of ../../testdata/gen_convert_fixture.py (4 channels).
    safetensors_io.save("vae_f16.safetensors", model.state_dict(), {"vae_config": json.dumps(cfg)}, dtype="F16")
    print("mean", mean.abs().mean().item(), "logvar", logvar.mean().item(), "decoded", decoded.abs().mean().item(),
          "parameters", sum(p.numel() for p in model.parameters()))
