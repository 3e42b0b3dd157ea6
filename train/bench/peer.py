"""The PyTorch peer of `go run ./train bench`: the same DiT training steps
(forward, hybrid loss, backward, AdamW) and the same square SGEMMs in
PyTorch, run back to back with the Go engine on the same machine, and the
ratios (Go time ÷ PyTorch time; below 1 means Go is faster). On the CPU it
also compares the memory of a training step: Go's device counter (the
bytes tensors held, `bench`'s peak) against PyTorch's peak RSS less the RSS
of a process with torch loaded, measured in a child process of its own.

    just bench-peer                # builds the Go binaries and runs this
    /usr/bin/python3 train/bench/peer.py --train BIN --fastcpu-test BIN [--device cuda]

The model is dit/testdata/dit_torch.py and the loss gen_fixtures.py's
hybrid_loss: the PyTorch code the Go DiT is checked against.

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
On a GPU (--device cuda) TF32 is turned off, so both sides compute in fp32.
"""
import argparse
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
}
SIZES = {"S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}
TEACHING = {"Tiny": (6, 192, 3), "Mini": (4, 128, 4)}


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


def torch_steps(torch, device, cfg, batch, warmup, steps, threads):
    """Median-ready list of ms per training step in PyTorch, and the torch
    threads they ran on (read inside the timed step)."""
    from dit_torch import DiT
    from gen_fixtures import hybrid_loss, schedule  # sets 1 thread: set them again below

    g = torch.Generator().manual_seed(1)
    model = DiT(cfg).to(device)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0)
    s = {k: v.to(device) for k, v in schedule().items()}
    c, n = cfg["in_channels"], cfg["input_size"]
    x0 = (torch.rand(batch, c, n, n, generator=g) * 2 - 1).to(device)
    times, used = [], None
    set_threads(torch, threads)
    for step in range(warmup + steps):
        y = torch.randint(0, cfg["num_classes"], (batch,), generator=g)
        y = torch.where(torch.rand(batch, generator=g) < 0.1, torch.full_like(y, cfg["num_classes"]), y).to(device)
        t = torch.randint(0, 1000, (batch,), generator=g).to(device)
        sync(torch, device)
        start = time.perf_counter()
        noise = torch.randn(batch, c, n, n, device=device)
        opt.zero_grad(set_to_none=True)
        total, _, _ = hybrid_loss(model, s, x0, noise, t, y)
        total.backward()
        opt.step()
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


def go_steps(train, device, model, size, channels, batch, warmup, steps):
    """ms per Go training step, the step's GFLOP, and the peak device
    memory of a step in MiB (Go's own counter: what tensors held)."""
    out = run_go([train, "bench", "-model", model, "-image-size", str(size), "-channels", str(channels),
                  "-batch", str(batch), "-warmup", str(warmup), "-steps", str(steps),
                  "-device", "cpu" if device == "cpu" else "vulkan", "-json"])
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


def torch_peak(name, threads):
    """Run in a fresh process (--torch-peak): the peak RSS of PyTorch's
    training steps for one config, less the RSS of the process with torch
    loaded and nothing made; printed as JSON."""
    import torch
    model, size, ch, batch = CONFIGS[name]
    idle = rss_mib("VmRSS")
    torch_steps(torch, "cpu", torch_config(model, size, ch), batch, 1, 2, threads)
    print(json.dumps({"idle_mib": idle, "peak_mib": rss_mib("VmHWM")}))


def torch_step_memory(name, threads):
    """PyTorch's step memory for one config, measured in a child process so
    that nothing else this script ran counts: peak RSS − idle RSS, in MiB."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-peak", name, "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return r["peak_mib"] - r["idle_mib"]


# The GPU SGEMM rows: the shapes of vk/bench_test.go's BenchmarkMatMul,
# name → (M, N, K, op(A) transposed, op(B) transposed, bias).
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


def torch_gemm(torch, device, shape, reps, threads):
    """GFLOP/s of torch.mm (addmm with a bias) at one shape, one per rep,
    and the torch threads they ran on."""
    m, n, k, ta, tb, bias = shape
    a = torch.randn(k, m, device=device).t() if ta else torch.randn(m, k, device=device)
    b = torch.randn(n, k, device=device).t() if tb else torch.randn(k, n, device=device)
    c = torch.empty(m, n, device=device)
    bv = torch.randn(n, device=device) if bias else None

    def once():
        if bv is None:
            torch.mm(a, b, out=c)
        else:
            torch.addmm(bv, a, b, out=c)
        return check_threads(torch, threads, "the SGEMM")
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
    """GFLOP/s of one Go matmul benchmark (a -test.bench pattern), one per rep."""
    out = run_go([test_binary, "-test.run", "^$", "-test.bench", bench,
                  "-test.count", str(reps), "-test.benchtime", "1s"], cwd=os.path.join(ROOT, package))
    return [float(m) for m in re.findall(r"([0-9.]+) GFLOP/s", out or "")]


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
    ap.add_argument("--fastcpu-test", help="the Go fast CPU device's test binary (go test -c ./tensor/fastcpu), for the CPU SGEMM rows and the FMA peak")
    ap.add_argument("--vk-test", help="the Go vk test binary (go test -c ./vk), for the GPU SGEMM rows")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--configs", default="tiny,s4", help="comma list of " + ",".join(CONFIGS))
    ap.add_argument("--gemm", default="1024,2048", help="square SGEMM sizes ('' for none)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating Go/PyTorch rounds per row")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per round and side")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--torch-peak", help=argparse.SUPPRESS)  # the child of torch_step_memory
    args = ap.parse_args()
    if args.device == "cpu":
        fair_environment()

    sys.path.insert(0, os.path.join(ROOT, "dit", "testdata"))
    if args.torch_peak:
        return torch_peak(args.torch_peak, args.threads)
    import torch
    threads = args.threads if args.device == "cpu" else 0  # 0: leave torch's count alone
    set_threads(torch, threads)
    if args.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        where = torch.cuda.get_device_name(0)
    else:
        torch.mm(torch.ones(64, 64), torch.ones(64, 64))
        where = (f"{args.threads} threads, BLAS {blas_in_use()}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, "
                 f"ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY')}")
    print(f"PyTorch {torch.__version__} on {args.device}: {where}", flush=True)

    rows = []
    if args.fastcpu_test and args.device == "cpu":
        peak = go_fma_peak(args.fastcpu_test)
        print("FMA peak (BenchmarkFMAPeak, GFLOP/s): " + ", ".join(f"{k} thread(s) {v:.0f}" for k, v in sorted(peak.items())), flush=True)
    gemms = []  # (label, Go test binary, package, bench pattern, shape)
    if args.device == "cpu" and args.fastcpu_test:
        for n in [int(v) for v in args.gemm.split(",") if v]:
            gemms.append((f"SGEMM {n}³", args.fastcpu_test, os.path.join("tensor", "fastcpu"), f"^BenchmarkMatMul$/^size={n}$/^fast$",
                          (n, n, n, False, False, False)))
    if args.device == "cuda" and args.vk_test:
        for name, shape in GPU_GEMMS.items():
            m, n, k = shape[:3]
            gemms.append((f"SGEMM {name} {m}×{n}×{k}", args.vk_test, "vk",
                          f"^BenchmarkMatMul$/^{name}_M={m}_N={n}_K={k}$", shape))
    for label, binary, package, bench, shape in gemms:
        gos, tos = [], []
        for _ in range(args.rounds):
            gos += go_gemm(binary, package, bench, 2)
            ts, used = torch_gemm(torch, args.device, shape, 2, threads)
            tos += ts
        g, t = statistics.median(gos) if gos else math.nan, statistics.median(tos)
        rows.append((label + " (GFLOP/s)", g, t, t / g, len(gos), len(tos), used))
        print(f"  {rows[-1][0]}: Go {g:.0f}, PyTorch {t:.0f} on {used} threads, time ratio Go/PyTorch {t / g:.2f}", flush=True)
    mems = []  # (label, Go peak device MiB, PyTorch peak − idle RSS MiB)
    for name in [s for s in args.configs.split(",") if s]:
        model, size, ch, batch = CONFIGS[name]
        cfg = torch_config(model, size, ch)
        gos, tos, gflop, gpeak = [], [], 0, math.nan
        for _ in range(args.rounds):
            if args.train:
                ms, gflop, gpeak = go_steps(args.train, args.device, model, size, ch, batch, args.warmup, args.steps)
                gos += ms
            ts, used = torch_steps(torch, args.device, cfg, batch, args.warmup, args.steps, threads)
            tos += ts
        t = statistics.median(tos)
        g = statistics.median(gos) if gos else math.nan
        label = f"{model} {size}×{size}×{ch} b{batch} (ms/step)"
        rows.append((label, g, t, g / t, len(gos), len(tos), used))
        print(f"  {label}: Go {g:.1f}, PyTorch {t:.1f} on {used} threads, ratio {g / t:.2f}; Go {batch / g * 1e3:.1f} img/s, "
              f"{gflop / g * 1e3:.0f} GFLOP/s", flush=True)
        if args.device == "cpu":
            tpeak = torch_step_memory(name, threads)
            mems.append((f"{model} {size}×{size}×{ch} b{batch}", gpeak, tpeak))
            print(f"  {model} b{batch} step memory: Go {gpeak:.0f} MiB (device counter), PyTorch {tpeak:.0f} MiB (peak RSS − idle RSS)", flush=True)

    print("\n| what | Go | PyTorch | Go time ÷ PyTorch time | samples (Go, PyTorch) | PyTorch threads (read in the timed code) |")
    print("|---|---|---|---|---|---|")
    for label, g, t, ratio, ng, nt, used in rows:
        print(f"| {label} | {g:.1f} | {t:.1f} | {ratio:.2f} | {ng}, {nt} | {used} |")
    if mems:
        print("\n| training step | Go: peak device memory (MiB) | PyTorch: peak RSS − idle RSS (MiB) |")
        print("|---|---|---|")
        for label, g, t in mems:
            print(f"| {label} | {g:.0f} | {t:.0f} |")


if __name__ == "__main__":
    main()
