// Package shaders holds the engine's GPU kernels: GLSL 4.50 compute shaders,
// one primitive per file, compiled to SPIR-V by glslc and embedded in the
// binary.
//
// Every shader is one third of a trio that shares its name:
//
//	shaders/binary.comp   the GPU kernel
//	tensor/elementwise.go the CPU reference (BinaryRef), whose doc comment is the loop
//	vk/binary.go          the launcher: push constants, bindings, dispatch size
//
// The conventions every shader follows:
//
//   - Its header comment says what it computes, names its CPU reference, lists
//     its bindings and its push-constant block, and says how it is
//     dispatched.
//   - Binding i of set 0 is the i-th Buffer argument of the matching
//     tensor.Device method, outputs first. Every binding is a std430 storage
//     buffer of float (int for indices).
//   - The push-constant block is mirrored field by field, with the same names,
//     by a Go struct in the launcher. Sizes are uint, scalars float.
//   - Variants (the op of binary.comp, the transposes of matmul.comp) are
//     specialization constants, never copied files.
//   - Elementwise shaders use a grid-stride loop, so a dispatch of at most
//     65535 workgroups covers any size.
//   - What several shaders share lives in a .glsl file they #include:
//     bf16.glsl and rounding.glsl (the operands' rounding in mixed
//     precision), gelu.glsl, conv2d.glsl, attention.glsl (flash
//     attention's tiles).
//
// After editing a .comp file, run `go generate ./shaders` (or `just
// shaders`): it needs glslc (Debian package glslc) and rewrites the .spv
// files, which are committed. CI regenerates them and fails on any
// difference. The .spv files are generated; never edit them.
package shaders

//go:generate sh gen.sh
