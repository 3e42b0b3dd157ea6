"""Converts an official DiT checkpoint (DiT-XL-2-256x256.pt, DiT-XL-2-512x512.pt,
or a training checkpoint of the public reference code) into a safetensors
file that `go run ./train sample -ckpt FILE` reads, with the model's config
in the metadata ("dit_config"), so that nothing has to be inferred.

Run it on your machine, where the .pt file is; the Go engine downloads
nothing. It needs PyTorch:

    python3 dit/tools/convert_official.py DiT-XL-2-256x256.pt DiT-XL-2-256x256.safetensors

The official files hold the EMA weights as a plain state dict; a training
checkpoint of the reference code holds {"model", "ema", "opt", "args"}, and
its "ema" is taken. The parameter names are kept: the Go DiT uses the same.
The config is read from the shapes: the hidden size, channels and patch
from x_embedder.proj.weight, the input size from pos_embed, the classes from
the label table (which has a null row: label dropout was on), the depth
from the blocks, a learned variance from the final layer. The head count
is not in the shapes: the paper's for the hidden size (S 6, B 12, L and
XL 16), or --heads.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
import safetensors_io  # noqa: E402

PAPER_HEADS = {384: 6, 768: 12, 1024: 16, 1152: 16}


def state_dict_of(obj):
    """The model weights in a loaded .pt: the dict itself, or its "ema"."""
    if isinstance(obj, dict) and "ema" in obj and isinstance(obj["ema"], dict):
        return obj["ema"]
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        return obj["model"]
    return obj


def config_of(sd, heads):
    """The Go DiT's config (dit.Config's JSON names) from the tensor shapes."""
    need = ["x_embedder.proj.weight", "pos_embed", "y_embedder.embedding_table.weight", "final_layer.linear.weight"]
    missing = [k for k in need if k not in sd]
    if missing:
        sys.exit(f"convert_official.py: not a DiT state dict: no {', '.join(missing)}")
    d, c, p, _ = sd["x_embedder.proj.weight"].shape
    tokens = sd["pos_embed"].shape[-2]
    grid = round(tokens ** 0.5)
    depth = 0
    while f"blocks.{depth}.attn.qkv.weight" in sd:
        depth += 1
    out = sd["final_layer.linear.weight"].shape[0]
    if heads == 0:
        if d not in PAPER_HEADS:
            sys.exit(f"convert_official.py: hidden size {d} is not a paper config; give --heads")
        heads = PAPER_HEADS[d]
    return {"depth": depth, "hidden_size": d, "num_heads": heads, "patch_size": p, "input_size": grid * p,
            "in_channels": c, "num_classes": sd["y_embedder.embedding_table.weight"].shape[0] - 1,
            "learn_sigma": out == 2 * c * p * p, "class_dropout_prob": 0.1, "mlp_ratio": 4}


def convert(src, dst, heads=0, overwrite=False):
    if os.path.exists(dst) and not overwrite:
        sys.exit(f"convert_official.py: {dst} exists; pass --overwrite to replace it")
    sd = state_dict_of(torch.load(src, map_location="cpu"))
    cfg = config_of(sd, heads)
    tensors = {k: v.float() for k, v in sd.items() if torch.is_tensor(v)}
    safetensors_io.save(dst, tensors, {"dit_config": json.dumps(cfg)})
    return cfg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="the .pt checkpoint")
    ap.add_argument("dst", help="the .safetensors file to write")
    ap.add_argument("--heads", type=int, default=0, help="attention heads (default: the paper's for the hidden size)")
    ap.add_argument("--overwrite", action="store_true", help="replace dst if it exists")
    args = ap.parse_args()
    cfg = convert(args.src, args.dst, args.heads, args.overwrite)
    print(f"wrote {args.dst}: {json.dumps(cfg)}")


if __name__ == "__main__":
    main()
