"""Loads a checkpoint written by the Go engine into the PyTorch DiT of
dit_torch.py, or the U-Net of ../unet/testdata/unet_torch.py (which one its
metadata says), and compares its forward output with the one Go computed.

    go run ./dit/testdata/export /tmp/ditgo-export [unet]
    /usr/bin/python3 dit/testdata/check_go_checkpoint.py /tmp/ditgo-export
"""
import json
import os
import sys

import torch

import safetensors_io
from dit_torch import DiT, load_checkpoint

d = sys.argv[1]
tensors, meta = safetensors_io.load(os.path.join(d, "model.safetensors"))
if "unet_config" in meta:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unet", "testdata"))
    from unet_torch import UNet
    cfg = json.loads(meta["unet_config"])
    model = UNet(cfg)
else:
    cfg = json.loads(meta["dit_config"])
    model = DiT(cfg)
load_checkpoint(model, tensors)
fw, _ = safetensors_io.load(os.path.join(d, "forward.safetensors"))
with torch.no_grad():
    out = model(fw["x"], fw["t"], fw["y"].long())
err = (out - fw["out"]).abs().max().item()
scale = fw["out"].abs().max().item()
print(f"config {cfg}")
print(f"loaded {len(tensors)} tensors; output {tuple(out.shape)}, max |output| {scale:.4g}")
print(f"max |PyTorch - Go| = {err:.3g} (relative {err / scale:.3g})")
sys.exit(0 if err <= 1e-5 * max(scale, 1) else 1)
