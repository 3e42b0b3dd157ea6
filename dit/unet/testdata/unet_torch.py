"""An ADM U-Net in PyTorch, written for the Go engine's parity tests from
the architecture of Dhariwal & Nichol (2021) and the conventions in
../doc.go: the public UNetModel's parameter names and layouts (time_embed,
label_emb, input_blocks.N.M, middle_block, output_blocks.N.M, out), the
legacy qkv head order, and the scale-shift norm in every ResBlock.

cfg keys are the Go unet.Config's JSON names: image_size, in_channels,
num_classes, learn_sigma, class_dropout_prob, model_channels, channel_mult,
num_res_blocks, attention_ds, num_head_channels, num_heads, dropout,
norm_groups.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_features(t, dim):
    """[cos(t·f_i)…, sin(t·f_i)…] with f_i = 10000^(−i/half), in float32."""
    half = dim // 2
    f = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    a = t.float()[:, None] * f[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=1)


class Res(nn.Module):
    def __init__(self, cfg, cin, cout):
        super().__init__()
        g, e = cfg["norm_groups"], 4 * cfg["model_channels"]
        self.in_layers = nn.Sequential(nn.GroupNorm(g, cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(e, 2 * cout))
        self.out_layers = nn.Sequential(nn.GroupNorm(g, cout), nn.SiLU(), nn.Dropout(cfg["dropout"]),
                                        nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        scale, shift = self.emb_layers(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.out_layers[0](h) * (1 + scale) + shift
        for layer in self.out_layers[1:]:
            h = layer(h)
        return self.skip_connection(x) + h


class Attn(nn.Module):
    def __init__(self, cfg, ch):
        super().__init__()
        hc = cfg["num_head_channels"]
        self.heads = ch // hc if hc > 0 else cfg["num_heads"]
        self.norm = nn.GroupNorm(cfg["norm_groups"], ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.proj_out = nn.Conv1d(ch, ch, 1)

    def forward(self, x, emb):
        b, c, hh, ww = x.shape
        t = hh * ww
        qkv = self.qkv(self.norm(x).reshape(b, c, t))           # [B, 3C, T], head by head: q, k, v
        q, k, v = qkv.reshape(b * self.heads, -1, t).chunk(3, dim=1)  # each [B·heads, ch, T]
        ch = c // self.heads
        w = torch.softmax(torch.einsum("bci,bcj->bij", q, k) / math.sqrt(ch), dim=-1)
        a = torch.einsum("bij,bcj->bci", w, v).reshape(b, c, t)
        return x + self.proj_out(a).reshape(b, c, hh, ww)


class Down(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x, emb):
        return self.op(x)


class Up(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, emb):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class In(nn.Conv2d):
    def forward(self, x, emb):
        return super().forward(x)


class Seq(nn.ModuleList):
    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb)
        return x


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        base, mult, nres = cfg["model_channels"], cfg["channel_mult"], cfg["num_res_blocks"]
        e = 4 * base
        self.time_embed = nn.Sequential(nn.Linear(base, e), nn.SiLU(), nn.Linear(e, e))
        rows = cfg["num_classes"] + (1 if cfg["class_dropout_prob"] > 0 else 0)
        self.label_emb = nn.Embedding(rows, e)
        attn = set(cfg["attention_ds"])
        ch, ds, skips = base, 1, [base]
        self.input_blocks = nn.ModuleList([Seq([In(cfg["in_channels"], base, 3, padding=1)])])
        for level, m in enumerate(mult):
            for _ in range(nres):
                layers = [Res(cfg, ch, m * base)]
                ch = m * base
                if ds in attn:
                    layers.append(Attn(cfg, ch))
                self.input_blocks.append(Seq(layers))
                skips.append(ch)
            if level < len(mult) - 1:
                self.input_blocks.append(Seq([Down(ch)]))
                skips.append(ch)
                ds *= 2
        self.middle_block = Seq([Res(cfg, ch, ch), Attn(cfg, ch), Res(cfg, ch, ch)])
        self.output_blocks = nn.ModuleList()
        for level, m in reversed(list(enumerate(mult))):
            for i in range(nres + 1):
                layers = [Res(cfg, ch + skips.pop(), m * base)]
                ch = m * base
                if ds in attn:
                    layers.append(Attn(cfg, ch))
                if level > 0 and i == nres:
                    layers.append(Up(ch))
                    ds //= 2
                self.output_blocks.append(Seq(layers))
        out_ch = cfg["in_channels"] * (2 if cfg["learn_sigma"] else 1)
        self.out = nn.Sequential(nn.GroupNorm(cfg["norm_groups"], ch), nn.SiLU(), nn.Conv2d(ch, out_ch, 3, padding=1))

    def forward(self, x, t, y):
        emb = self.time_embed(timestep_features(t, self.cfg["model_channels"])) + self.label_emb(y)
        hs, h = [], x
        for b in self.input_blocks:
            h = b(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for b in self.output_blocks:
            h = b(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)


def init_weights(model, g):
    """For the parity fixtures: small random weights everywhere, the zero-initialised convolutions
    included, so that no path is trivially zero."""
    with torch.no_grad():
        for k, p in model.named_parameters():
            fan_in = p[0].numel() if p.ndim > 1 else 1
            p.copy_(torch.randn(p.shape, generator=g) * (0.7 / math.sqrt(fan_in) if p.ndim > 1 else 0.05))
            if k.endswith("weight") and p.ndim == 1:  # GroupNorm scales near 1
                p.add_(1.0)
