"""A DiT in PyTorch, written for this project from the paper (Peebles & Xie,
"Scalable Diffusion Models with Transformers", ICCV 2023) and the conventions
listed in ../doc.go, as an independent reference for the Go engine's tests.

It is the reference side of the parity fixtures (gen_fixtures.py) and can
load a checkpoint written by the Go trainer (load_checkpoint)."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def sincos_1d(dim, positions):
    """[len(positions), dim]: sin of position·ω_i then cos, ω_i = 10000^(−i/(dim/2))."""
    n = dim // 2
    omega = 1.0 / (10000 ** (torch.arange(n, dtype=torch.float64) / n))
    args = positions.to(torch.float64)[:, None] * omega[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


def pos_table(dim, grid):
    """[grid², dim]: token k at row k // grid, col k % grid; first half encodes the column."""
    k = torch.arange(grid * grid)
    col, row = k % grid, k // grid
    return torch.cat([sincos_1d(dim // 2, col), sincos_1d(dim // 2, row)], dim=1).float()


def timestep_features(t, dim=256):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        w = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads)
        y = w.softmax(dim=-1) @ v  # [B, H, T, Dh]
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class Mlp(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.fc2 = nn.Linear(hidden, d)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


def modulate(x, shift, scale):
    return x * (1 + scale[:, None, :]) + shift[:, None, :]


class Block(nn.Module):
    def __init__(self, d, heads, ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(d, heads)
        self.norm2 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.mlp = Mlp(d, ratio * d)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))

    def forward(self, x, c):
        s1, c1, g1, s2, c2, g2 = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + g1[:, None, :] * self.attn(modulate(self.norm1(x), s1, c1))
        x = x + g2[:, None, :] * self.mlp(modulate(self.norm2(x), s2, c2))
        return x


class FinalLayer(nn.Module):
    def __init__(self, d, patch, out_channels):
        super().__init__()
        self.norm_final = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(d, patch * patch * out_channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 2 * d))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


class PatchEmbed(nn.Module):
    def __init__(self, c, d, patch):
        super().__init__()
        self.proj = nn.Conv2d(c, d, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, T, D]


class TimestepEmbedder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d))

    def forward(self, t):
        return self.mlp(timestep_features(t))


class LabelEmbedder(nn.Module):
    def __init__(self, classes, d, dropout):
        super().__init__()
        self.embedding_table = nn.Embedding(classes + (1 if dropout > 0 else 0), d)

    def forward(self, y):
        return self.embedding_table(y)


class DiT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        d, p = cfg["hidden_size"], cfg["patch_size"]
        self.out_channels = cfg["in_channels"] * (2 if cfg["learn_sigma"] else 1)
        grid = cfg["input_size"] // p
        self.x_embedder = PatchEmbed(cfg["in_channels"], d, p)
        self.t_embedder = TimestepEmbedder(d)
        self.y_embedder = LabelEmbedder(cfg["num_classes"], d, cfg["class_dropout_prob"])
        self.pos_embed = nn.Parameter(pos_table(d, grid)[None], requires_grad=False)
        self.blocks = nn.ModuleList([Block(d, cfg["num_heads"], cfg.get("mlp_ratio", 4)) for _ in range(cfg["depth"])])
        self.final_layer = FinalLayer(d, p, self.out_channels)

    def unpatchify(self, x):
        b, t, _ = x.shape
        p, c = self.cfg["patch_size"], self.out_channels
        g = int(round(t ** 0.5))
        x = x.reshape(b, g, g, p, p, c).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(b, c, g * p, g * p)

    def forward(self, x, t, y):
        x = self.x_embedder(x) + self.pos_embed
        c = self.t_embedder(t) + self.y_embedder(y)
        for block in self.blocks:
            x = block(x, c)
        return self.unpatchify(self.final_layer(x, c))


def state_dict_for_go(model):
    """The state dict under the reference names (the Go engine uses the same
    names and shapes, pos_embed [1, T, D] included)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def load_checkpoint(model, tensors, prefix=""):
    """Load Go-written tensors (a dict name → tensor) into the model."""
    sd = {}
    for k, v in model.state_dict().items():
        w = tensors[prefix + k]
        sd[k] = w.reshape(v.shape)
    model.load_state_dict(sd)
