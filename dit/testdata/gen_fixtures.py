"""Writes the PyTorch parity fixtures of the Go DiT (parity_*.safetensors).

Run from this folder with Debian's torch:  /usr/bin/python3 gen_fixtures.py

For each of two small configs it records, from the same initial weights:
  forward   the model output for given x, t, y
  loss      the hybrid loss (MSE + VB in bits) and the gradient of every parameter
  adam3     the parameters after 3 AdamW steps on that loss
  ddim      a 10-step DDIM sample with classifier-free guidance from given noise
The diffusion is written here from the papers (Ho et al. 2020, Nichol &
Dhariwal 2021, Song et al. 2021) and the conventions in ../doc.go, as
dit_torch.py is.
"""
import json
import math

import torch

import safetensors_io
from dit_torch import DiT, state_dict_for_go

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

T = 1000


def schedule():
    betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    ac = torch.cumprod(1 - betas, 0)
    ac_prev = torch.cat([torch.ones(1, dtype=torch.float64), ac[:-1]])
    post_var = betas * (1 - ac_prev) / (1 - ac)
    return dict(
        betas=betas,
        ac=ac,
        ac_prev=ac_prev,
        post_logvar=torch.log(torch.cat([post_var[1:2], post_var[1:]])),
        coef1=betas * torch.sqrt(ac_prev) / (1 - ac),
        coef2=(1 - ac_prev) * torch.sqrt(1 - betas) / (1 - ac),
    )


def pick(arr, t, ndim=4):
    """arr[t] per sample as float32 [B, 1, 1, 1]."""
    return arr[t].float().reshape(-1, *([1] * (ndim - 1)))


def approx_cdf(x):
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def disc_loglik(x, mean, log_scale):
    c = x - mean
    inv = torch.exp(-log_scale)
    cdf_plus = approx_cdf(inv * (c + 1.0 / 255))
    cdf_min = approx_cdf(inv * (c - 1.0 / 255))
    log_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_one_minus = torch.log((1.0 - cdf_min).clamp(min=1e-12))
    log_delta = torch.log((cdf_plus - cdf_min).clamp(min=1e-12))
    return torch.where(x < -0.999, log_plus, torch.where(x > 0.999, log_one_minus, log_delta))


def hybrid_loss(model, s, x0, noise, t, y):
    learn_sigma = model.cfg["learn_sigma"]
    xt = pick(torch.sqrt(s["ac"]), t) * x0 + pick(torch.sqrt(1 - s["ac"]), t) * noise
    out = model(xt, t.float(), y)
    c = x0.shape[1]
    eps = out[:, :c]
    mse = ((eps - noise) ** 2).mean()
    if not learn_sigma:
        return mse, mse, None
    v = out[:, c:]
    min_log = pick(s["post_logvar"], t)
    max_log = pick(torch.log(s["betas"]), t)
    frac = (v + 1) / 2
    logvar = frac * max_log + (1 - frac) * min_log
    e = eps.detach()
    pred_x0 = pick(torch.sqrt(1 / s["ac"]), t) * xt - pick(torch.sqrt(1 / s["ac"] - 1), t) * e
    model_mean = pick(s["coef1"], t) * pred_x0 + pick(s["coef2"], t) * xt
    true_mean = pick(s["coef1"], t) * x0 + pick(s["coef2"], t) * xt
    true_logvar = pick(s["post_logvar"], t)
    kl = 0.5 * (-1.0 + logvar - true_logvar + torch.exp(true_logvar - logvar) + (true_mean - model_mean) ** 2 * torch.exp(-logvar))
    kl = kl / math.log(2.0)
    nll = -disc_loglik(x0, model_mean, 0.5 * logvar) / math.log(2.0)
    vb_el = torch.where((t == 0).reshape(-1, 1, 1, 1), nll, kl)
    vb = vb_el.mean()
    return mse + vb, mse, vb


def ddim_timesteps(n):
    for k in range(1, T):
        if len(range(0, T, k)) == n:
            return list(range(0, T, k))
    raise ValueError(n)


def ddim_sample(model, s, noise, y, steps, cfg_scale):
    keep = ddim_timesteps(steps)
    ac_full = s["ac"]
    ac = ac_full[keep]
    ac_prev = torch.cat([torch.ones(1, dtype=torch.float64), ac[:-1]])
    c = noise.shape[1]
    null = model.cfg["num_classes"]
    x = noise.clone()
    b = x.shape[0]
    for i in reversed(range(len(keep))):
        tt = torch.full((2 * b,), float(keep[i]))
        out = model(torch.cat([x, x]), tt, torch.cat([y, torch.full_like(y, null)]))
        cond, uncond = out[:b, :c], out[b:, :c]
        eps = uncond + cfg_scale * (cond - uncond)  # every channel guided
        a, ap = ac[i].float().item(), ac_prev[i].float().item()
        a64, ap64 = ac[i].item(), ac_prev[i].item()
        x0 = x * math.sqrt(1 / a64) - eps * math.sqrt(1 / a64 - 1)
        e = (x * math.sqrt(1 / a64) - x0) / math.sqrt(1 / a64 - 1)
        x = x0 * math.sqrt(ap64) + e * math.sqrt(1 - ap64)
    return x


def init_weights(model, g):
    """Small random weights everywhere, adaLN and final layer included, so
    that no path is trivially zero (the fixed positional table aside)."""
    with torch.no_grad():
        for k, p in model.named_parameters():
            if k == "pos_embed":
                continue
            p.copy_(torch.randn(p.shape, generator=g) * (0.5 / math.sqrt(p.shape[-1]) if p.ndim > 1 else 0.05))


def make(name, cfg, batch, seed):
    g = torch.Generator().manual_seed(seed)
    model = DiT(cfg)
    init_weights(model, g)
    fx = record(model, g, batch, cfg["in_channels"], cfg["input_size"], cfg["num_classes"], cfg["class_dropout_prob"] > 0)
    meta = {"dit_config": json.dumps(cfg), "adam": "lr=1e-3 wd=0.01 betas=(0.9,0.999) eps=1e-8 steps=3",
            "ddim": "steps=10 cfg=4.0 all channels guided"}
    safetensors_io.save(f"parity_{name}.safetensors", fx, meta)
    print(name, "loss", float(fx["loss.total"]), "mse", float(fx["loss.mse"]), "tensors", len(fx))


def record(model, g, batch, c, n, classes, null_class):
    """The stages of a parity fixture for any denoiser model(x, t, y) with
    initial weights set, drawing every input from the generator g in a fixed
    order: param.*, forward.*, loss.* with grad.*, adam3.*, and, when the
    model has a null class, ddim.*."""
    init = state_dict_for_go(model)
    s = schedule()
    fx = {f"param.{k}": v for k, v in init.items()}

    # forward
    x = torch.randn(batch, c, n, n, generator=g)
    t = torch.tensor([0.0, 999.0, 17.0, 500.0][:batch])
    y = torch.tensor([0, classes if null_class else 1, 2, 1][:batch])
    with torch.no_grad():
        fx["forward.out"] = model(x, t, y)
    fx["forward.x"], fx["forward.t"], fx["forward.y"] = x, t, y.float()

    # loss and gradients; x0 hits both ends of [-1, 1] so every likelihood branch runs
    x0 = torch.rand(batch, c, n, n, generator=g) * 2 - 1
    x0.view(-1)[::7] = 1.0
    x0.view(-1)[3::7] = -1.0
    noise = torch.randn(batch, c, n, n, generator=g)
    lt = torch.tensor([0, 1, 500, 999][:batch])
    ly = torch.tensor([1, 0, 2, 1][:batch])
    total, mse, vb = hybrid_loss(model, s, x0, noise, lt, ly)
    total.backward()
    fx.update({"loss.x0": x0, "loss.noise": noise, "loss.t": lt.float(), "loss.y": ly.float(),
               "loss.total": total.detach().reshape(1), "loss.mse": mse.detach().reshape(1)})
    if vb is not None:
        fx["loss.vb"] = vb.detach().reshape(1)
    for k, p in model.named_parameters():
        if p.grad is not None:
            fx[f"grad.{k}"] = p.grad.clone()

    # three AdamW steps on the same batch
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3, weight_decay=0.01,
                            betas=(0.9, 0.999), eps=1e-8)
    for _ in range(3):
        opt.zero_grad()
        total, _, _ = hybrid_loss(model, s, x0, noise, lt, ly)
        total.backward()
        opt.step()
    for k, v in state_dict_for_go(model).items():
        fx[f"adam3.{k}"] = v

    # DDIM with guidance, from the initial weights
    if null_class:
        model.load_state_dict(init)
        dn = torch.randn(batch, c, n, n, generator=g)
        dy = torch.tensor([0, 1, 2, 0][:batch])
        with torch.no_grad():
            fx["ddim.samples"] = ddim_sample(model, s, dn, dy, 10, 4.0)
        fx["ddim.noise"], fx["ddim.y"] = dn, dy.float()
    return fx


if __name__ == "__main__":
    make("sigma", dict(depth=2, hidden_size=24, num_heads=3, patch_size=2, input_size=8, in_channels=3,
                       num_classes=5, learn_sigma=True, class_dropout_prob=0.1, mlp_ratio=4), batch=4, seed=1)
    make("nosigma", dict(depth=1, hidden_size=16, num_heads=2, patch_size=4, input_size=8, in_channels=1,
                         num_classes=3, learn_sigma=False, class_dropout_prob=0.0, mlp_ratio=4), batch=3, seed=2)
