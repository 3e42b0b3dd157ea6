"""Writes the PyTorch parity fixture of the Go U-Net (parity_unet.safetensors).

Run from this folder with Debian's torch:  /usr/bin/python3 gen_fixtures.py

From the same initial weights it records, with ../../testdata/gen_fixtures.py's
record (the DiT's stages, hybrid loss and DDIM):
  forward   the model output for given x, t, y
  loss      the hybrid loss and the gradient of every parameter
  adam3     the parameters after 3 AdamW steps on that loss
  ddim      a 10-step DDIM sample with classifier-free guidance
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import safetensors_io  # noqa: E402
from gen_fixtures import record  # noqa: E402
from unet_torch import UNet, init_weights  # noqa: E402

torch.set_num_threads(1)


def make(name, cfg, batch, seed):
    g = torch.Generator().manual_seed(seed)
    model = UNet(cfg)
    init_weights(model, g)
    fx = record(model, g, batch, cfg["in_channels"], cfg["image_size"], cfg["num_classes"], True)
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
