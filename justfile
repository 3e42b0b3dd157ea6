# Recipes for the common jobs. `just --list` shows them.

# Run every test: the shared op suite on each device, gradient checks, examples.
test:
    go test ./...

# What CI runs on a clean clone.
ci:
    .ci/run

# Compile shaders/*.comp to SPIR-V (needs glslc); commit the .spv files.
shaders:
    go generate ./shaders

# The Vulkan tests on lavapipe with validation on, as CI runs them.
test-vk:
    DITGO_VK_REQUIRE=1 DITGO_VK_VALIDATION=1 LP_NUM_THREADS=0 go test ./vk -v

# Train a DiT: `just train -steps 500` (see `go run ./train -h`).
train *ARGS:
    go run ./train {{ARGS}}

# Only the gradient checks (float64 central differences on the CPU reference).
gradcheck:
    go test ./autograd -run TestGradCheck -v

# Only the shared op suite on the CPU devices: the reference, then the fast one.
opsuite:
    go test ./tensor -run TestCPUOpSuite -v
    go test ./tensor/fastcpu -run TestOpSuite -v

# The GPU check's inputs: the Vulkan loader and validation .debs in .gl/,
# the test binaries in .gpu/; then run .ci/gpu-check.sh on a GPU machine with
# .gl and .gpu beside the tree.
# Build the GPU check's inputs (.gl/ .debs, .gpu/ binaries) for .ci/gpu-check.sh.
gpu-build:
    mkdir -p .git/info
    grep -qx '/.gl/' .git/info/exclude || echo /.gl/ >> .git/info/exclude
    grep -qx '/.gpu/' .git/info/exclude || echo /.gpu/ >> .git/info/exclude
    mkdir -p .gl .gpu /tmp/amd64/partial
    apt-get -oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64 update
    cd .gl && apt-get -oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64 download libvulkan1 vulkan-validationlayers
    for p in vk dit train; do go test -c -o .gpu/$p.test ./$p; done
    go build -o .gpu/train ./train

# Time the training step: `just bench -model DiT-S/4 -batch 32` (see -h).
bench *ARGS:
    go run ./train bench {{ARGS}}

# (train/bench/peer.py needs apt-get install python3-torch libopenblas0-openmp.)
# Go against PyTorch on this machine, back to back, with the ratios.
bench-peer *ARGS:
    mkdir -p /tmp/ditgo-bench
    go build -o /tmp/ditgo-bench/train ./train
    go test -c -o /tmp/ditgo-bench/fastcpu.test ./tensor/fastcpu
    /usr/bin/python3 train/bench/peer.py --train /tmp/ditgo-bench/train --fastcpu-test /tmp/ditgo-bench/fastcpu.test {{ARGS}}

# The README's sampler table: DiT-Mini/4 trained at the default budget once per
# objective (diffusion, rectified flow), then every sampler at its step counts,
# 1000 guided samples under seeds 1 and 2 each. About 1h30m on two quiet cores;
# run it again to continue: trained models are reused.
samplers OUT="runs/samplers":
    #!/usr/bin/env bash
    set -euo pipefail
    go build -o /tmp/ditgo-samplers ./train
    for obj in diffusion rf; do
        if [ ! -f {{OUT}}/$obj/checkpoint.safetensors ]; then
            /tmp/ditgo-samplers -objective $obj -out {{OUT}}/$obj -eval-every -1
        fi
    done
    for run in "diffusion ddpm 250" "diffusion ddim 10" "diffusion ddim 25" "diffusion ddim 50" \
               "rf euler 5" "rf euler 10" "rf euler 25" "rf euler 50" "rf heun 5" "rf heun 10"; do
        set -- $run
        for seed in 1 2; do
            echo "== $1 $2-$3 seed $seed"
            /tmp/ditgo-samplers eval -ckpt {{OUT}}/$1/checkpoint.safetensors -classifier {{OUT}}/classifier.safetensors \
                -sampler $2 -steps $3 -seed $seed | grep -E '^(sampled|cond-acc)'
        done
    done | tee {{OUT}}/samplers.txt
