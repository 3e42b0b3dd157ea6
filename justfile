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

# Only the shared op suite on the CPU device.
opsuite:
    go test ./tensor -run TestCPUOpSuite -v

# Prepare the GPU check (../shared/GPU.md): the Vulkan loader and validation
# layer .debs in .gl/, the test binaries in .gpu/. Then run .ci/gpu-check.sh
# on the device machine with .gl and .gpu carried.
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

# Go against PyTorch on this machine, back to back, with the ratios
# (needs apt-get install python3-torch libopenblas0-openmp; see the script).
bench-peer *ARGS:
    mkdir -p /tmp/ditgo-bench
    go build -o /tmp/ditgo-bench/train ./train
    go test -c -o /tmp/ditgo-bench/fastcpu.test ./tensor/fastcpu
    /usr/bin/python3 train/bench/peer.py --train /tmp/ditgo-bench/train --fastcpu-test /tmp/ditgo-bench/fastcpu.test {{ARGS}}
