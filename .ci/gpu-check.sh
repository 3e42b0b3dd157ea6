#!/usr/bin/env bash
# The GPU check: run on the device machine from the repository root, with
# .gl/ (Debian's libvulkan1 and vulkan-validationlayers .debs) and .gpu/
# (test binaries) carried over. Prepare both with `just gpu-build` on a
# Debian machine: the GPU machine runs the binaries, it builds nothing.
# Prints the device, runs the Vulkan tests of every package with
# validation on, then once more without it; then the speed
# comparison with PyTorch on the same GPU (train/bench/peer.py --device
# cuda: SGEMM of the matmul shader against torch.mm, TF32 off, and the
# DiT-S/2 and DiT-XL/2 training steps), the Vulkan counters and roofline of
# a DiT-S/2 step in fp32 and fp16, and a short `train` run.
set -uo pipefail

for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export VK_LAYER_PATH=${VK_LAYER_PATH:-/usr/share/vulkan/explicit_layer.d}
nvidia-smi -L || true

export DITGO_VK_REQUIRE=1 DITGO_VK_DEVICE=${DITGO_VK_DEVICE:-NVIDIA}
status=0
for validation in 1 0; do
  echo "== Vulkan tests, validation=$validation"
  for pkg in vk dit train; do
    [ -x ".gpu/$pkg.test" ] || { echo "missing .gpu/$pkg.test"; status=1; continue; }
    (cd "$pkg" && DITGO_VK_VALIDATION=$validation "../.gpu/$pkg.test" -test.v \
      -test.run 'OpSuite|GCStress|Recorded|TrainingStep|LiveBuffers|Parity|Overfit|DDPM|OutOfDeviceMemory|AttentionTiles|MatMulBlocks|Barriers|SyncValidation' 2>&1 |
      grep -E '^(=== RUN|--- |PASS|FAIL|ok)|device:|worst|loss|suite|validation' ) || status=1
  done
done

echo "== Go (Vulkan) against PyTorch (CUDA, fp32, TF32 off) on the same GPU"
unset DITGO_VK_VALIDATION
python3 train/bench/peer.py --device cuda --train .gpu/train --vk-test .gpu/vk.test \
  --configs s2,xl2 --precision fp32,fp16 --rounds 2 --steps 5 --warmup 2 || status=1

echo "== a DiT-S/2 step's counters and roofline (b32), then the same step in fp16 (float16 operands, loss scaling)"
for precision in fp32 fp16; do
  .gpu/train bench -device vulkan -model DiT-S/2 -batch 32 -steps 5 -warmup 2 -precision $precision -roofline h100 || status=1
done

echo "== go run ./train on the GPU (auto device), 200 steps"
.gpu/train -steps 200 -sample-every 0 -eval-every -1 -out /tmp/gpu-run 2>&1 | tr '\r' '\n' | grep -E 'device:|model:|step 200/|done|train:' || status=1
exit $status
