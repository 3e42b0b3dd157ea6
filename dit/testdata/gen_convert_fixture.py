"""Writes the fixture of the official-checkpoint converter
(../tools/convert_official.py): a small DiT of dit_torch.py saved as the
reference code saves a training checkpoint ({"model", "ema", ...}, a .pt),
converted by the script to converted_dit.safetensors, and the EMA model's
output on a fixed input, converted_dit_forward.safetensors, which the Go
test reproduces from the converted file.

Run from this folder with Debian's torch:  /usr/bin/python3 gen_convert_fixture.py
"""
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import safetensors_io  # noqa: E402
from convert_official import convert  # noqa: E402
from dit_torch import DiT  # noqa: E402
from gen_fixtures import init_weights  # noqa: E402

torch.set_num_threads(1)

if __name__ == "__main__":
    cfg = dict(depth=2, hidden_size=32, num_heads=4, patch_size=2, input_size=8, in_channels=4, num_classes=5,
               learn_sigma=True, class_dropout_prob=0.1, mlp_ratio=4)
    g = torch.Generator().manual_seed(30)
    model, ema = DiT(cfg), DiT(cfg)
    init_weights(model, g)
    init_weights(ema, g)
    with tempfile.TemporaryDirectory() as tmp:
        pt = os.path.join(tmp, "checkpoint.pt")
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": {}, "args": None}, pt)
        got = convert(pt, "converted_dit.safetensors", heads=4, overwrite=True)
    assert got == cfg, (got, cfg)
    x = torch.randn(2, 4, 8, 8, generator=g)
    t = torch.tensor([10, 700])
    y = torch.tensor([1, 5])  # 5: the null class
    with torch.no_grad():
        out = ema(x, t, y)
    safetensors_io.save("converted_dit_forward.safetensors", {"x": x, "t": t.float(), "y": y.float(), "out": out})
    print("converted", got, "out", out.abs().mean().item())
