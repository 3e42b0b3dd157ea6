"""Reading and writing safetensors files with the standard library and torch
only (Debian has no python3-safetensors): the format is an 8-byte header
length, a JSON header, then the raw little-endian data."""
import json
import struct

import torch

_DTYPES = {"F32": (torch.float32, 4)}


def save(path, tensors, metadata=None, dtype="F32"):
    """Writes tensors as F32, or as F16 (dtype="F16", as diffusers' half
    precision files are)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        data = _bytes(t) if dtype == "F32" else _bytes16(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def _bytes(t):
    flat = t.detach().to(torch.float32).contiguous().reshape(-1).tolist()
    return struct.pack("<%df" % len(flat), *flat)


def _bytes16(t):
    flat = t.detach().to(torch.float16).contiguous().reshape(-1).tolist()
    return struct.pack("<%de" % len(flat), *flat)


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    body = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {e['dtype']} not handled here")
        b, end = e["data_offsets"]
        vals = struct.unpack("<%df" % ((end - b) // 4), body[b:end])
        out[name] = torch.tensor(vals, dtype=torch.float32).reshape(e["shape"])
    return out, meta
