// Package optest is the engine's shared op suite: one table of checks that
// every device runs through the tensor.Device interface, as gonum's testblas
// does for BLAS implementations.
//
// The suite has two kinds of case:
//
//   - Case: an autograd op (MatMul, Attention, LayerNormModulate, Patchify,
//     ...) built on a small graph. Run computes its output and the gradient
//     of a random weighted sum of that output with respect to every input, on
//     the device under test and on the float64 CPU reference, and compares
//     them. GradCheck compares the reference's analytic gradients with
//     float64 central differences, which proves the backward rules right.
//   - KernelCase: a kernel outside autodiff (AdamW, EMA, random normals,
//     in-place and accumulating forms) run on both devices and compared.
//
// Each op has table cases with fixed shapes and random-shape cases whose
// sizes come from Options.Sizes (1, odd sizes, and sizes either side of
// 8, 16, 32 and 64 by default; a GPU device adds its tile edges).
// Tolerances scale with the longest accumulation in the op.
//
// This package imports tensor and autograd; tests of any package may use it.
package optest
