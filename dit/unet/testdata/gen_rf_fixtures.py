"""Writes the PyTorch rectified-flow parity fixture of the Go U-Net
(parity_unet_rf.safetensors).

Run from this folder with Debian's torch:  /usr/bin/python3 gen_rf_fixtures.py

It records, with ../../testdata/gen_rf_fixtures.py's record_flow (the DiT's
rectified-flow stages), for a small U-Net without a learned variance: the
rf loss and every gradient, 3 AdamW steps, a 10-step Euler and a 5-step
Heun trajectory with guidance.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import safetensors_io  # noqa: E402
from gen_rf_fixtures import FLOW_META, record_flow  # noqa: E402
from unet_torch import UNet, init_weights  # noqa: E402

torch.set_num_threads(1)

if __name__ == "__main__":
    # The parity U-Net's shape (gen_fixtures.py), predicting the velocity alone.
    cfg = dict(image_size=8, in_channels=2, num_classes=3, learn_sigma=False, class_dropout_prob=0.1,
               model_channels=8, channel_mult=[1, 2], num_res_blocks=1, attention_ds=[2],
               num_head_channels=8, num_heads=1, dropout=0.0, norm_groups=4)
    g = torch.Generator().manual_seed(4)
    model = UNet(cfg)
    init_weights(model, g)
    fx = record_flow(model, g, 3, cfg["in_channels"], cfg["image_size"], cfg["num_classes"])
    safetensors_io.save("parity_unet_rf.safetensors", fx, {"unet_config": json.dumps(cfg), **FLOW_META})
    print("unet rf loss", float(fx["loss.total"]), "tensors", len(fx))
