"""The PyTorch peer of `go run ./train bench`: the same DiT training steps
(forward, hybrid loss, backward, AdamW) and the same square SGEMMs in
PyTorch, run back to back with the Go engine on the same machine, and the
ratios (Go time ÷ PyTorch time; below 1 means Go is faster). On the CPU it
also compares the memory of a training step: Go's device counter (the
bytes tensors held, `bench`'s peak) against PyTorch's peak RSS less the RSS
of a process with torch loaded, measured in a child process of its own.

    just bench-peer                # builds the Go binaries and runs this
    /usr/bin/python3 train/bench/peer.py --train BIN --fastcpu-test BIN [--device cuda]

The model is dit/testdata/dit_torch.py (or, for the U-Net baseline,
dit/unet/testdata/unet_torch.py) and the loss gen_fixtures.py's
hybrid_loss: the PyTorch code the Go DiT is checked against.

Each row runs in two precisions (--precision, fp32,bf16 on the CPU):
  - fp32: everything in float32 on both sides.
  - bf16, mixed precision. Go: `train bench -precision bf16`. PyTorch: the
    forward and the loss under torch.autocast(device, dtype=torch.bfloat16),
    backward and the AdamW step outside it, as PyTorch's autocast docs
    recommend; on both sides the weights the optimizer updates stay fp32.
    Its memory row is PyTorch's peak RSS under autocast, against Go's peak
    for the same -precision.
  - fp16 (--device cuda only). Go: `train bench -precision fp16` (float16
    operands, dynamic loss scaling). PyTorch: the forward and the loss under
    torch.autocast(dtype=torch.float16), the loss scaled by
    torch.cuda.amp.GradScaler: PyTorch's AMP.
  - the bf16 GEMM rows. Go: BenchmarkMatMul/size=N/fast-bf16 of the fast CPU
    device's tests (MatMulArgs.BF16: float32 operands rounded to bfloat16,
    float32 sums and result). PyTorch: torch.mm on bfloat16 tensors, made
    before the timing, with a bfloat16 result (oneDNN in Debian's torch).
    On a GPU (--device cuda, fp32 unless --precision names bf16) the bf16
    GEMM rows are vk's BenchmarkMatMul "-bf16" shapes.
Rounds alternate Go, PyTorch, for fp32 then bf16, and every figure is a
median; besides Go ÷ PyTorch, a last table gives bf16 ÷ fp32 on each side
(time; below 1 means bf16 is faster), for the CPU-speed issue's goals:
Go bf16 ÷ Go fp32 ≤ 0.75 and Go bf16 ÷ PyTorch bf16 ≤ 1.0.

A fair PyTorch on the CPU (Debian's python3-torch 1.13):
  - apt-get install python3-torch libopenblas0-openmp: this script puts the
    OpenMP OpenBLAS first on LD_LIBRARY_PATH, whatever libblas.so.3 points
    to; the pthread build fights torch's OpenMP threads, and the reference
    BLAS is ~35× slower. The BLAS in use is printed.
  - OPENBLAS_CORETYPE set from the CPU's flags (SkylakeX with AVX-512,
    Haswell with AVX2): OpenBLAS 0.3.21 mistakes recent CPUs for old ones
    and runs ~6× slower, and a Haswell setting halves it on AVX-512; and
    ATEN_CPU_CAPABILITY=avx512. The script re-executes itself with that
    environment and prints it.
  - torch.set_num_threads(one per core) right before each timed side, and
    torch.get_num_threads() read inside the timed code, printed, and
    checked: importing the fixture module (gen_fixtures.py) sets 1 thread,
    and once made the training steps run on one core. A mismatch stops the
    script rather than publish a ratio against a handicapped peer.
On a GPU (--device cuda) TF32 is turned off, so the fp32 rows are fp32 on
both sides.
"""
import argparse
import contextlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# The configs of the CPU-speed issue: name → (Go model, image side, channels, batch).
CONFIGS = {
    "tiny": ("DiT-Tiny/4", 28, 1, 64),
    "s4": ("DiT-S/4", 32, 4, 32),
    "s2": ("DiT-S/2", 32, 4, 64),
    "xl2": ("DiT-XL/2", 32, 4, 16),
    "unetb": ("UNet-B", 32, 3, 32),  # the U-Net baseline (dit/unet), 10 classes
}
UNETS = {"S": 32, "B": 64, "L": 96, "XL": 128}  # base channels of the U-Net ladder (dit/unet/config.go)
SIZES = {"S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}
TEACHING = {"Tiny": (6, 192, 3), "Mini": (4, 128, 4)}
PRECISIONS = ("fp32", "bf16", "fp16")  # what --precision takes, and Go's -precision


def fair_environment():
    """Re-execute with the environment a fair CPU peer needs (see above)."""
    want = dict(os.environ)
    want["OPENBLAS_CORETYPE"] = openblas_coretype()
    want.setdefault("ATEN_CPU_CAPABILITY", "avx512")
    # The OpenMP OpenBLAS, whatever libblas.so.3 points to system-wide.
    omp = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
    if os.path.isdir(omp):
        want["LD_LIBRARY_PATH"] = omp + ":" + want.get("LD_LIBRARY_PATH", "")
    want["DITGO_PEER_REEXEC"] = "1"
    if os.environ.get("DITGO_PEER_REEXEC") != "1":
        os.execve(sys.executable, [sys.executable] + sys.argv, want)


def openblas_coretype():
    """The OpenBLAS kernels for this CPU's vector width. OpenBLAS 0.3.21
    does not know recent CPUs and falls back to its slowest kernels
    (measured on an Intel Emerald Rapids: "Prescott", 30–50 GFLOP/s at
    2048³ against ~270 with SkylakeX); a Haswell setting left in the
    environment halves it on AVX-512 machines."""
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if "avx512f" in flags:
        return "SkylakeX"
    if "avx2" in flags:
        return "Haswell"
    return os.environ.get("OPENBLAS_CORETYPE", "")


def torch_config(model, size, channels):
    if model.startswith("UNet-"):  # dit/unet's Named, as unet_torch.py reads it
        return dict(image_size=size, in_channels=channels, num_classes=10, learn_sigma=True, class_dropout_prob=0.1,
                    model_channels=UNETS[model.removeprefix("UNet-")], channel_mult=[1, 2, 2], num_res_blocks=2,
                    attention_ds=[4], num_head_channels=32, num_heads=0, dropout=0.0, norm_groups=32)
    name, patch = model.removeprefix("DiT-").split("/")
    depth, hidden, heads = SIZES.get(name) or TEACHING[name]
    classes = 1000 if name in SIZES else 10
    return dict(depth=depth, hidden_size=hidden, num_heads=heads, patch_size=int(patch), input_size=size,
                in_channels=channels, num_classes=classes, learn_sigma=True, class_dropout_prob=0.1, mlp_ratio=4)


def set_threads(torch, threads):
    """Set torch's thread count (on the CPU) just before a timed side."""
    if threads:
        torch.set_num_threads(threads)


def check_threads(torch, threads, where):
    """Read torch's thread count inside timed code; stop on a mismatch."""
    got = torch.get_num_threads()
    if threads and got != threads:
        sys.exit(f"peer.py: {where} ran on {got} torch threads, not the {threads} asked for; the ratio would be unfair")
    return got


def autocast(torch, device, precision):
    """The context PyTorch's forward and loss run in: none for fp32, and
    for bf16 or fp16 autocast, which runs the matmuls (and the other ops on
    its lower-precision list) in bfloat16 or float16 while the weights stay
    fp32."""
    if precision in ("bf16", "fp16"):
        return torch.autocast(device, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)
    return contextlib.nullcontext()


def torch_steps(torch, device, cfg, batch, warmup, steps, threads, precision):
    """Median-ready list of ms per training step in PyTorch, and the torch
    threads they ran on (read inside the timed step). In bf16 only the
    forward and the loss run under autocast; backward runs each op's
    gradient in the dtype autocast picked for it, and AdamW updates the
    fp32 weights. In fp16 (CUDA only) the loss is scaled by a GradScaler
    with its defaults, as Go's -precision fp16 scales it (nn.LossScaler)."""
    from dit_torch import DiT
    from gen_fixtures import hybrid_loss, schedule  # sets 1 thread: set them again below
    from unet_torch import UNet

    g = torch.Generator().manual_seed(1)
    model = (UNet(cfg) if "model_channels" in cfg else DiT(cfg)).to(device)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0)
    s = {k: v.to(device) for k, v in schedule().items()}
    c, n = cfg["in_channels"], cfg.get("input_size") or cfg["image_size"]
    x0 = (torch.rand(batch, c, n, n, generator=g) * 2 - 1).to(device)
    times, used = [], None
    scaler = torch.cuda.amp.GradScaler() if precision == "fp16" else None
    set_threads(torch, threads)
    for step in range(warmup + steps):
        y = torch.randint(0, cfg["num_classes"], (batch,), generator=g)
        y = torch.where(torch.rand(batch, generator=g) < 0.1, torch.full_like(y, cfg["num_classes"]), y).to(device)
        t = torch.randint(0, 1000, (batch,), generator=g).to(device)
        sync(torch, device)
        start = time.perf_counter()
        noise = torch.randn(batch, c, n, n, device=device)
        opt.zero_grad(set_to_none=True)
        with autocast(torch, device, precision):
            total, _, _ = hybrid_loss(model, s, x0, noise, t, y)
        if scaler is None:
            total.backward()
            opt.step()
        else:
            scaler.scale(total).backward()
            scaler.step(opt)
            scaler.update()
        total.item()
        used = check_threads(torch, threads, "the training step")
        sync(torch, device)
        if step >= warmup:
            times.append((time.perf_counter() - start) * 1e3)
    return times, used


def sync(torch, device):
    if device == "cuda":
        torch.cuda.synchronize()


def run_go(cmd, **kw):
    """Run a Go binary; on failure print why and return None, so that one
    failing row (say, out of GPU memory) does not lose the others."""
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout
    except subprocess.CalledProcessError as e:
        print(f"  (failed: {' '.join(cmd[:3])} …: exit {e.returncode}: {(e.stderr or e.stdout).strip()[-300:]})", flush=True)
        return None


def go_steps(train, device, model, size, channels, batch, warmup, steps, precision):
    """ms per Go training step, the step's GFLOP, and the peak device
    memory of a step in MiB (Go's own counter: what tensors held), for
    one -precision (fp32 or bf16)."""
    out = run_go([train, "bench", "-model", model, "-image-size", str(size), "-channels", str(channels),
                  "-batch", str(batch), "-warmup", str(warmup), "-steps", str(steps),
                  "-device", "cpu" if device == "cpu" else "vulkan", "-precision", precision, "-json"])
    if out is None:
        return [], 0, math.nan
    r = json.loads(out.strip().splitlines()[-1])
    return r["step_ms"], r["step_gflop"], r.get("peak_mib", math.nan)


def rss_mib(field):
    """A field of /proc/self/status (VmRSS now, VmHWM the peak), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return math.nan


def torch_peak(name, threads, precision):
    """Run in a fresh process (--torch-peak): the peak RSS of PyTorch's
    training steps for one config and precision, less the RSS of the
    process with torch loaded and nothing made; printed as JSON."""
    import torch
    model, size, ch, batch = CONFIGS[name]
    idle = rss_mib("VmRSS")
    torch_steps(torch, "cpu", torch_config(model, size, ch), batch, 1, 2, threads, precision)
    print(json.dumps({"idle_mib": idle, "peak_mib": rss_mib("VmHWM")}))


def torch_step_memory(name, threads, precision):
    """PyTorch's step memory for one config and precision, measured in a
    child process so that nothing else this script ran counts: peak RSS −
    idle RSS, in MiB; NaN, with what happened printed, if the child fails."""
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-peak", name, "--threads", str(threads),
           "--precision", precision]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
    except subprocess.CalledProcessError as e:
        print(f"  (failed: the PyTorch memory child for {name} {precision}: exit {e.returncode}: "
              f"{(e.stderr or e.stdout).strip()[-300:]})", flush=True)
        return math.nan
    except (ValueError, IndexError, KeyError) as e:
        print(f"  (failed: the PyTorch memory child for {name} {precision} printed no result: {e!r})", flush=True)
        return math.nan
    return r["peak_mib"] - r["idle_mib"]


# The GPU SGEMM rows: the shapes of vk/bench_test.go's BenchmarkMatMul,
# name → (M, N, K, op(A) transposed, op(B) transposed, bias); GPU_BF16_GEMMS
# are those it also runs with MatMulArgs.BF16, as "NAME-bf16".
GPU_GEMMS = {
    "size=1024": (1024, 1024, 1024, False, False, False),
    "size=4096": (4096, 4096, 4096, False, False, False),
    "dit-s2-qkv": (16384, 1152, 384, False, True, True),
    "dit-s2-mlp-down": (16384, 384, 1536, False, True, True),
    "dit-s2-qkv-dW": (1152, 384, 16384, True, False, False),
    "dit-xl2-qkv": (4096, 3456, 1152, False, True, True),
    "dit-xl2-mlp-down": (4096, 1152, 4608, False, True, True),
    "dit-xl2-qkv-dW": (3456, 1152, 4096, True, False, False),
}
GPU_BF16_GEMMS = ("size=4096", "dit-xl2-qkv")


def torch_gemm(torch, device, shape, reps, threads, precision):
    """GFLOP/s of torch.mm (addmm with a bias) at one shape, one per rep,
    and the torch threads they ran on. In bf16 the operands, the bias and
    the result are bfloat16 tensors, converted before the timing, so only
    the product is timed (the fp32 sums stay inside the kernel)."""
    m, n, k, ta, tb, bias = shape
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    # Random fp32 values, then rounded: .to keeps the transposed strides.
    a = (torch.randn(k, m, device=device).t() if ta else torch.randn(m, k, device=device)).to(dtype)
    b = (torch.randn(n, k, device=device).t() if tb else torch.randn(k, n, device=device)).to(dtype)
    c = torch.empty(m, n, device=device, dtype=dtype)
    bv = torch.randn(n, device=device).to(dtype) if bias else None

    def once():
        if bv is None:
            torch.mm(a, b, out=c)
        else:
            torch.addmm(bv, a, b, out=c)
        return check_threads(torch, threads, f"the {precision} GEMM")
    set_threads(torch, threads)
    once()
    out, used = [], None
    inner = max(1, int(2e9 / (2 * m * n * k)))  # at least about 2 GFLOP per timing
    if device == "cuda":
        inner *= 8
    for _ in range(reps):
        sync(torch, device)
        start = time.perf_counter()
        for _ in range(inner):
            used = once()
        sync(torch, device)
        out.append(2 * m * n * k * inner / (time.perf_counter() - start) / 1e9)
    return out, used


def go_gemm(test_binary, package, bench, reps):
    """GFLOP/s of one Go matmul benchmark (a -test.bench pattern), one per
    rep, and the device it ran on as the benchmark logs it (the fast CPU
    device's name says its instruction set and threads; "" where the
    benchmark logs none); no rates without a test binary (PyTorch only)."""
    if not test_binary:
        return [], ""
    out = run_go([test_binary, "-test.run", "^$", "-test.bench", bench,
                  "-test.count", str(reps), "-test.benchtime", "1s"], cwd=os.path.join(ROOT, package)) or ""
    rates = [float(m) for m in re.findall(r"([0-9.]+) GFLOP/s", out)]
    if out and not rates:  # ran, but matched no benchmark (run_go printed a failure)
        print(f"  (no GFLOP/s from {bench_name(bench)}: does the test binary have it?)", flush=True)
    logged = re.findall(r"^\s+\S+_test\.go:\d+: (.+)$", out, re.M)
    return rates, (logged[-1] if logged else "")


def bench_name(pattern):
    """A -test.bench pattern as the benchmark's name: ^A$/^b$ → A/b."""
    return pattern.replace("^", "").replace("$", "")


def go_fma_peak(fastcpu_test):
    out = subprocess.run([fastcpu_test, "-test.run", "^$", "-test.bench", "^BenchmarkFMAPeak$", "-test.count", "3"],
                         check=True, capture_output=True, text=True, cwd=os.path.join(ROOT, "tensor", "fastcpu"))
    peaks = {}
    for threads, v in re.findall(r"threads=(\d+)\S*\s+\d+\s+\d+ ns/op\s+([0-9.]+) GFLOP/s", out.stdout):
        peaks.setdefault(int(threads), []).append(float(v))
    return {k: statistics.median(v) for k, v in peaks.items()}


def blas_in_use():
    """The BLAS libraries mapped into this process (after a matmul)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in path.lower() or "openblas" in path.lower():
                libs.add(os.path.realpath(path))
    return ", ".join(sorted(libs)) or "none found (MKL or built in)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", help="the Go trainer binary (go build -o BIN ./train); without it, PyTorch only")
    ap.add_argument("--fastcpu-test", help="the Go fast CPU device's test binary (go test -c ./tensor/fastcpu), for the CPU GEMM rows and the FMA peak; without it, PyTorch only")
    ap.add_argument("--vk-test", help="the Go vk test binary (go test -c ./vk), for the GPU GEMM rows; without it, PyTorch only")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--configs", default="tiny,s4", help="comma list of " + ",".join(CONFIGS))
    ap.add_argument("--gemm", default="1024,2048", help="square CPU GEMM sizes ('' for none)")
    ap.add_argument("--precision", help="comma list of " + ",".join(PRECISIONS) +
                    " (default fp32,bf16 on the CPU, fp32 on cuda): each row runs in each")
    ap.add_argument("--rounds", type=int, default=3, help="alternating Go/PyTorch rounds per row")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per round and side")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--torch-peak", help=argparse.SUPPRESS)  # the child of torch_step_memory
    args = ap.parse_args()
    precisions = [p for p in (args.precision or ("fp32,bf16" if args.device == "cpu" else "fp32")).split(",") if p]
    for p in precisions:
        if p not in PRECISIONS:
            sys.exit(f"peer.py: --precision {p!r}: want a comma list of {', '.join(PRECISIONS)}")
        if p == "fp16" and args.device != "cuda":
            sys.exit("peer.py: --precision fp16 is for --device cuda: PyTorch's CPU autocast has no float16")
    if args.device == "cpu":
        fair_environment()

    sys.path.insert(0, os.path.join(ROOT, "dit", "testdata"))
    sys.path.append(os.path.join(ROOT, "dit", "unet", "testdata"))  # after dit/testdata: its gen_fixtures.py is the one imported
    if args.torch_peak:
        return torch_peak(args.torch_peak, args.threads, precisions[0])
    import torch
    threads = args.threads if args.device == "cpu" else 0  # 0: leave torch's count alone
    set_threads(torch, threads)
    if args.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        where = torch.cuda.get_device_name(0)
    else:
        torch.mm(torch.ones(64, 64), torch.ones(64, 64))
        blas = blas_in_use()
        if "openblas" not in blas.lower():
            sys.exit(f"peer.py: PyTorch runs on the BLAS {blas}, not OpenBLAS; against it (the reference BLAS is "
                     "~35× slower) every ratio would flatter Go. Install the fast one: "
                     "apt-get install libopenblas0-openmp")
        where = (f"{args.threads} threads, BLAS {blas}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, "
                 f"ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY')}, oneDNN {torch.backends.mkldnn.is_available()}")
    print(f"PyTorch {torch.__version__} on {args.device}: {where}; precisions {', '.join(precisions)}", flush=True)

    rows = []     # (label, Go, PyTorch, Go time ÷ PyTorch time, samples Go, samples PyTorch, PyTorch threads)
    medians = {}  # (what, precision) → (Go, PyTorch, True for GFLOP/s, False for ms): for the bf16 ÷ fp32 table
    if args.fastcpu_test and args.device == "cpu":
        peak = go_fma_peak(args.fastcpu_test)
        print("FMA peak (BenchmarkFMAPeak, GFLOP/s): " + ", ".join(f"{k} thread(s) {v:.0f}" for k, v in sorted(peak.items())), flush=True)

    # The GEMM rows: what → (Go test binary, package, {precision: bench pattern}, shape).
    gemms = {}
    if args.device == "cpu":
        for n in [int(v) for v in args.gemm.split(",") if v]:
            benches = {"fp32": f"^BenchmarkMatMul$/^size={n}$/^fast$", "bf16": f"^BenchmarkMatMul$/^size={n}$/^fast-bf16$"}
            gemms[f"{n}³"] = (args.fastcpu_test, os.path.join("tensor", "fastcpu"), benches, (n, n, n, False, False, False))
    if args.device == "cuda":
        for name, shape in GPU_GEMMS.items():
            m, n, k = shape[:3]
            benches = {"fp32": f"^BenchmarkMatMul$/^{name}_M={m}_N={n}_K={k}$"}
            if name in GPU_BF16_GEMMS:
                benches["bf16"] = f"^BenchmarkMatMul$/^{name}-bf16_M={m}_N={n}_K={k}$"
            gemms[f"{name} {m}×{n}×{k}"] = (args.vk_test, "vk", benches, shape)
    for what, (binary, package, benches, shape) in gemms.items():
        runs = [p for p in precisions if p in benches]
        gos, tos, used, godev = {p: [] for p in runs}, {p: [] for p in runs}, None, {}
        for _ in range(args.rounds):  # Go fp32, PyTorch fp32, Go bf16, PyTorch bf16, and again
            for p in runs:
                rates, godev[p] = go_gemm(binary, package, benches[p], 2)
                gos[p] += rates
                ts, used = torch_gemm(torch, args.device, shape, 2, threads, p)
                tos[p] += ts
        for p in runs:
            g, t = statistics.median(gos[p]) if gos[p] else math.nan, statistics.median(tos[p])
            medians[(what, p)] = (g, t, True)
            label = f"{'SGEMM' if p == 'fp32' else 'bf16 GEMM'} {what} (GFLOP/s)"
            rows.append((label, g, t, t / g, len(gos[p]), len(tos[p]), used))
            ran_go = bench_name(benches[p]) + (f" on {godev[p]}" if godev.get(p) else "")
            ran_torch = ("torch.addmm" if shape[5] else "torch.mm") + (
                " on fp32 tensors" if p == "fp32" else " on bfloat16 tensors, bfloat16 result")
            print(f"  {label}: Go {g:.0f} ({ran_go}), PyTorch {t:.0f} ({ran_torch}) on {used} threads, "
                  f"time ratio Go/PyTorch {t / g:.2f}", flush=True)

    mems = []  # (label, Go peak device MiB, PyTorch peak − idle RSS MiB)
    for name in [s for s in args.configs.split(",") if s]:
        model, size, ch, batch = CONFIGS[name]
        cfg = torch_config(model, size, ch)
        what = f"{model} {size}×{size}×{ch} b{batch}"
        gos, tos, gflop, gpeak, used = {p: [] for p in precisions}, {p: [] for p in precisions}, {}, {}, None
        for _ in range(args.rounds):  # Go fp32, PyTorch fp32, Go bf16, PyTorch bf16, and again
            for p in precisions:
                if args.train:
                    ms, gflop[p], gpeak[p] = go_steps(args.train, args.device, model, size, ch, batch, args.warmup, args.steps, p)
                    gos[p] += ms
                ts, used = torch_steps(torch, args.device, cfg, batch, args.warmup, args.steps, threads, p)
                tos[p] += ts
        for p in precisions:
            t = statistics.median(tos[p])
            g = statistics.median(gos[p]) if gos[p] else math.nan
            medians[(what, p)] = (g, t, False)
            label = f"{what} {p} (ms/step)"
            rows.append((label, g, t, g / t, len(gos[p]), len(tos[p]), used))
            torch_ran = {"bf16": "autocast bf16", "fp16": "autocast fp16 + GradScaler"}.get(p, "fp32")
            print(f"  {label}: Go {g:.1f} (bench -precision {p}), PyTorch {t:.1f} ({torch_ran}) on {used} threads, "
                  f"ratio {g / t:.2f}; Go {batch / g * 1e3:.1f} img/s, {gflop.get(p, 0) / g * 1e3:.0f} GFLOP/s", flush=True)
            if args.device == "cpu":
                tpeak = torch_step_memory(name, threads, p)
                mems.append((f"{what} {p}", gpeak.get(p, math.nan), tpeak))
                print(f"  {model} b{batch} {p} step memory: Go {mems[-1][1]:.0f} MiB (device counter), "
                      f"PyTorch {tpeak:.0f} MiB (peak RSS − idle RSS, {torch_ran})", flush=True)

    print("\n| what | Go | PyTorch | Go time ÷ PyTorch time | samples (Go, PyTorch) | PyTorch threads (read in the timed code) |")
    print("|---|---|---|---|---|---|")
    for label, g, t, ratio, ng, nt, used in rows:
        print(f"| {label} | {g:.1f} | {t:.1f} | {ratio:.2f} | {ng}, {nt} | {used} |")
    bf16 = {rate for (_, p), (_, _, rate) in medians.items() if p == "bf16"}  # True: a GEMM row, False: a step row
    if bf16:
        print()
    if True in bf16:
        print("bf16 GEMM: Go BenchmarkMatMul …/fast-bf16 (float32 operands rounded to bfloat16, float32 sums and result); "
              "PyTorch torch.mm on bfloat16 tensors (bfloat16 result).")
    if False in bf16:
        print("bf16 step: Go bench -precision bf16; PyTorch forward and loss under torch.autocast(dtype=torch.bfloat16), "
              "fp32 weights.")
    if mems:
        print("\n| training step | Go: peak device memory (MiB) | PyTorch: peak RSS − idle RSS (MiB) |")
        print("|---|---|---|")
        for label, g, t in mems:
            print(f"| {label} | {g:.0f} | {t:.0f} |")

    # bf16 against fp32, on each side and across: ratios of times (a GEMM's
    # time is 1 ÷ its GFLOP/s), so below 1 means the first one is faster.
    pairs = [w for (w, p) in medians if p == "bf16" and (w, "fp32") in medians]
    if pairs:
        print("\n| what (time ratios of the medians) | Go bf16 ÷ Go fp32 (goal ≤ 0.75) | PyTorch bf16 ÷ PyTorch fp32 | "
              "Go bf16 ÷ PyTorch bf16 (goal ≤ 1.0) |")
        print("|---|---|---|---|")
        for w in pairs:
            g32, t32, rate = medians[(w, "fp32")]
            g16, t16, _ = medians[(w, "bf16")]
            if rate:  # GFLOP/s: time goes as 1 ÷ rate
                print(f"| GEMM {w} | {g32 / g16:.2f} | {t32 / t16:.2f} | {t16 / g16:.2f} |")
            else:
                print(f"| {w} step | {g16 / g32:.2f} | {t16 / t32:.2f} | {g16 / t16:.2f} |")


if __name__ == "__main__":
    main()
