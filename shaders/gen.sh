#!/bin/sh
# Compiles every compute shader of this folder to SPIR-V. Run through
# `go generate ./shaders`; needs glslc (Debian package glslc).
set -eu
cd "$(dirname "$0")"
command -v glslc >/dev/null || { echo "gen.sh: glslc not found; install it with: apt-get install glslc" >&2; exit 1; }
rm -f ./*.spv
for src in ./*.comp; do
	glslc --target-env=vulkan1.2 -O -o "${src%.comp}.spv" "$src"
done
