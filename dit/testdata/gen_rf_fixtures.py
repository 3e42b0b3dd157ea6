"""Writes the PyTorch parity fixture of rectified flow (parity_rf.safetensors).

Run from this folder with Debian's torch:  /usr/bin/python3 gen_rf_fixtures.py

The objective and samplers are written here from their definitions (Liu et
al. 2023; Esser et al. 2024), independently of the Go code:
  x_t = (1 - t) x0 + t eps, t in [0, 1]; the model predicts v = eps - x0 and
  sees the timestep 1000 t; the loss is the mean square error over all
  elements. Euler on the grid t_i = 1 - i/N (optionally shifted by
  t' = S t / (1 + (S - 1) t)): z <- z + (t_{i+1} - t_i) v(z, t_i). Heun
  averages v at both ends of the Euler step, except on the last step.
  Guidance: v = v_null + s (v_cond - v_null) on every channel.

It records, for one small DiT without a learned variance and with a null
class, from the same initial weights:
  loss      the rectified-flow loss at given t, and every parameter's gradient
  adam3     the parameters after 3 AdamW steps on that loss
  euler     a 10-step Euler trajectory with guidance 4 (every step's z)
  heun      a 5-step Heun trajectory with guidance 4 and time shift 3
"""
import json

import torch

import safetensors_io
from dit_torch import DiT, state_dict_for_go
from gen_fixtures import init_weights

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)


def flow_loss(model, x0, noise, t, y):
    tt = t.reshape(-1, 1, 1, 1)
    xt = (1 - tt) * x0 + tt * noise
    v = model(xt, 1000 * t, y)
    return ((v - (noise - x0)) ** 2).mean()


def grid(n, shift):
    ts = [1 - i / n for i in range(n + 1)]
    return [shift * t / (1 + (shift - 1) * t) for t in ts]


def guided_velocity(model, z, t, y, scale, null):
    b = z.shape[0]
    tt = torch.full((2 * b,), 1000.0 * t)
    out = model(torch.cat([z, z]), tt, torch.cat([y, torch.full_like(y, null)]))
    cond, uncond = out[:b], out[b:]
    return uncond + scale * (cond - uncond)


def trajectory(model, noise, y, n, scale, heun, shift, null):
    ts = grid(n, shift)
    z = noise.clone()
    states = [z]
    for i in range(n):
        h = ts[i + 1] - ts[i]
        d = guided_velocity(model, z, ts[i], y, scale, null)
        nxt = z + h * d
        if heun and i < n - 1:
            d2 = guided_velocity(model, nxt, ts[i + 1], y, scale, null)
            nxt = z + (h / 2) * (d + d2)
        z = nxt
        states.append(z)
    return torch.stack(states)


def record_flow(model, g, batch, c, n, null):
    """The stages of a rectified-flow fixture for any velocity model(x, t, y)
    with initial weights set and a null class, drawing every input from the
    generator g in a fixed order: param.*, loss.* with grad.*, adam3.*,
    euler.* and heun.*."""
    init = state_dict_for_go(model)
    fx = {f"param.{k}": v for k, v in init.items()}

    x0 = torch.rand(batch, c, n, n, generator=g) * 2 - 1
    noise = torch.randn(batch, c, n, n, generator=g)
    t = torch.tensor([0.02, 0.5, 0.97, 0.3][:batch])
    y = torch.tensor([1, null, 2, 0][:batch])  # one null label, as label dropout makes
    loss = flow_loss(model, x0, noise, t, y)
    loss.backward()
    fx.update({"loss.x0": x0, "loss.noise": noise, "loss.t": t, "loss.y": y.float(),
               "loss.total": loss.detach().reshape(1)})
    for k, p in model.named_parameters():
        if p.grad is not None:
            fx[f"grad.{k}"] = p.grad.clone()

    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3, weight_decay=0.01,
                            betas=(0.9, 0.999), eps=1e-8)
    for _ in range(3):
        opt.zero_grad()
        flow_loss(model, x0, noise, t, y).backward()
        opt.step()
    for k, v in state_dict_for_go(model).items():
        fx[f"adam3.{k}"] = v

    model.load_state_dict(init)
    sn = torch.randn(batch, c, n, n, generator=g)
    sy = torch.tensor([0, 1, 2, 0][:batch])
    with torch.no_grad():
        fx["euler.trajectory"] = trajectory(model, sn, sy, 10, 4.0, False, 1.0, null)
        fx["heun.trajectory"] = trajectory(model, sn, sy, 5, 4.0, True, 3.0, null)
    fx["sample.noise"], fx["sample.y"] = sn, sy.float()
    return fx


FLOW_META = {"adam": "lr=1e-3 wd=0.01 betas=(0.9,0.999) eps=1e-8 steps=3",
             "euler": "steps=10 cfg=4.0 shift=1", "heun": "steps=5 cfg=4.0 shift=3"}


def main():
    cfg = dict(depth=2, hidden_size=24, num_heads=3, patch_size=2, input_size=8, in_channels=2,
               num_classes=4, learn_sigma=False, class_dropout_prob=0.1, mlp_ratio=4)
    g = torch.Generator().manual_seed(3)
    model = DiT(cfg)
    init_weights(model, g)
    fx = record_flow(model, g, 4, cfg["in_channels"], cfg["input_size"], cfg["num_classes"])
    safetensors_io.save("parity_rf.safetensors", fx, {"dit_config": json.dumps(cfg), **FLOW_META})
    print("rf loss", float(fx["loss.total"]), "tensors", len(fx))


if __name__ == "__main__":
    main()
