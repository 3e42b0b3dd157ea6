"""Writes the full-size parity fixture of the Go VAE (parity_vae_sd.safetensors):
the Stable Diffusion VAE's architecture (vae_torch.py with SD's config) with
weights that both sides compute from a formula instead of storing them
(83,653,863 of them would be 335 MB), a 32×32 image batch with the
encoder's mean and log-variance, and a 4×4 latent batch with its decoding,
all computed in float64: the model is deep enough that float32 results
differ by 1e-4 of their scale (PyTorch's own float32 decoding is 1.2e-4 of
its largest value from this one), so the fixture is the exact answer.

The weights (weights below; the Go test has the same formula): for a
parameter named n with elements j = 0, 1, …, in float64 and then rounded
to float32,

    s_j = sin(0.37·j + len(n))
    GroupNorm scale  1 + 0.1·s_j        every other bias  0.1·s_j
    a weight of fan-in f (its elements ÷ its first dimension)  s_j·√(3/f)

Run from this folder with Debian's torch:  /usr/bin/python3 gen_sd_fixture.py
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import safetensors_io  # noqa: E402
from vae_torch import AutoencoderKL  # noqa: E402

torch.set_num_threads(1)

SD = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[128, 256, 512, 512],
          layers_per_block=2, norm_num_groups=32)


def weights(name, shape):
    n = math.prod(shape)
    s = torch.sin(0.37 * torch.arange(n, dtype=torch.float64) + len(name))
    if "norm" in name and name.endswith(".weight"):
        v = 1 + 0.1 * s
    elif name.endswith(".bias"):
        v = 0.1 * s
    else:
        v = s * math.sqrt(3 / (n // shape[0]))
    return v.float().reshape(shape)


if __name__ == "__main__":
    model = AutoencoderKL(SD).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(weights(name, tuple(p.shape)))  # float32 values, held in float64
        g = torch.Generator().manual_seed(21)
        x = torch.rand(2, 3, 32, 32, generator=g) * 2 - 1
        z = torch.randn(1, 4, 4, 4, generator=g)
        mean, logvar = model.encode(x.double())
        decoded = model.decode(z.double())
    safetensors_io.save("parity_vae_sd.safetensors", {"x": x, "mean": mean, "logvar": logvar, "z": z, "decoded": decoded},
                        {"vae_config": json.dumps(dict(SD, scaling_factor=0.18215))})
    print("mean", mean.abs().mean().item(), "logvar", logvar.mean().item(), "decoded", decoded.abs().mean().item(),
          "parameters", sum(p.numel() for p in model.parameters()))
