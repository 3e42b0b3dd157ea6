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
