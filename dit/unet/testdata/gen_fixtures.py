"""Writes the PyTorch parity fixture of the Go U-Net (parity_unet.safetensors).

Run from this folder with Debian's torch:  /usr/bin/python3 gen_fixtures.py

From the same initial weights it records, as ../../testdata/gen_fixtures.py
does for the DiT (and with its diffusion: the same hybrid loss and DDIM):
  forward   the model output for given x, t, y
  loss      the hybrid loss and the gradient of every parameter
  adam3     the parameters after 3 AdamW steps on that loss
  ddim      a 10-step DDIM sample with classifier-free guidance
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import safetensors_io  # noqa: E402
from gen_fixtures import ddim_sample, hybrid_loss, schedule  # noqa: E402
from unet_torch import UNet  # noqa: E402

torch.set_num_threads(1)


def make(name, cfg, batch, seed):
    g = torch.Generator().manual_seed(seed)
    model = UNet(cfg)
    with torch.no_grad():
        for k, p in model.named_parameters():
            # Small random weights everywhere, the zero-initialised
            # convolutions included, so that no path is trivially zero.
            fan_in = p[0].numel() if p.ndim > 1 else 1
            p.copy_(torch.randn(p.shape, generator=g) * (0.7 / math.sqrt(fan_in) if p.ndim > 1 else 0.05))
            if k.endswith("weight") and p.ndim == 1:  # GroupNorm scales near 1
                p.add_(1.0)
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    c, n = cfg["in_channels"], cfg["image_size"]
    s = schedule()
    fx = {f"param.{k}": v for k, v in init.items()}

    x = torch.randn(batch, c, n, n, generator=g)
    t = torch.tensor([0.0, 999.0, 17.0, 500.0][:batch])
    y = torch.tensor([0, cfg["num_classes"], 2, 1][:batch])
    with torch.no_grad():
        fx["forward.out"] = model(x, t, y)
    fx["forward.x"], fx["forward.t"], fx["forward.y"] = x, t, y.float()

    x0 = torch.rand(batch, c, n, n, generator=g) * 2 - 1
    x0.view(-1)[::7] = 1.0
    x0.view(-1)[3::7] = -1.0
    noise = torch.randn(batch, c, n, n, generator=g)
    lt = torch.tensor([0, 1, 500, 999][:batch])
    ly = torch.tensor([1, 0, 2, 1][:batch])
    total, mse, vb = hybrid_loss(model, s, x0, noise, lt, ly)
    total.backward()
    fx.update({"loss.x0": x0, "loss.noise": noise, "loss.t": lt.float(), "loss.y": ly.float(),
               "loss.total": total.detach().reshape(1), "loss.mse": mse.detach().reshape(1),
               "loss.vb": vb.detach().reshape(1)})
    for k, p in model.named_parameters():
        fx[f"grad.{k}"] = p.grad.clone()

    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01, betas=(0.9, 0.999), eps=1e-8)
    for _ in range(3):
        opt.zero_grad()
        total, _, _ = hybrid_loss(model, s, x0, noise, lt, ly)
        total.backward()
        opt.step()
    for k, v in model.state_dict().items():
        fx[f"adam3.{k}"] = v.detach().clone()

    model.load_state_dict(init)
    dn = torch.randn(batch, c, n, n, generator=g)
    dy = torch.tensor([0, 1, 2, 0][:batch])
    with torch.no_grad():
        fx["ddim.samples"] = ddim_sample(model, s, dn, dy, 10, 4.0)
    fx["ddim.noise"], fx["ddim.y"] = dn, dy.float()

    meta = {"unet_config": json.dumps(cfg), "adam": "lr=1e-3 wd=0.01 betas=(0.9,0.999) eps=1e-8 steps=3",
            "ddim": "steps=10 cfg=4.0 all channels guided"}
    safetensors_io.save(f"parity_{name}.safetensors", fx, meta)
    print(name, "loss", float(fx["loss.total"]), "mse", float(fx["loss.mse"]), "tensors", len(fx),
          "parameters", sum(p.numel() for p in model.parameters()))


if __name__ == "__main__":
    # Two levels (8×8 and 4×4), a channel change (skip convolutions), a
    # downsampling and an upsampling, attention with two heads at 4×4 in
    # the encoder, the middle and the decoder, a null class for guidance.
    make("unet", dict(image_size=8, in_channels=2, num_classes=3, learn_sigma=True, class_dropout_prob=0.1,
                      model_channels=8, channel_mult=[1, 2], num_res_blocks=1, attention_ds=[2],
                      num_head_channels=8, num_heads=1, dropout=0.0, norm_groups=4), batch=3, seed=1)
