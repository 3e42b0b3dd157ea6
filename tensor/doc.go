// Package tensor holds the engine's dense arrays and the kernels that compute
// on them.
//
// A Tensor is a row-major array with a shape and a dtype, living on one
// Device. Device is the small interface of primitive kernels that every
// backend implements: matmul, fused attention, fused layernorm-modulation,
// elementwise and broadcast ops, reductions, data movement, gather and
// scatter-add, AdamW, EMA and a Philox random-normal generator. Everything
// above this package — autodiff, layers, the DiT — is built from them.
//
// The functions of this package (MatMul, Attention, LayerNormModulate, ...)
// check shapes, allocate the output and call the device. Each sits in a file
// beside its CPU reference kernel (MatMulRef, AttentionRef, ...), whose doc
// comment is the loop it computes. The CPU device runs those references; it
// is generic over float32 and float64, and the float64 instance is the
// ground truth that gradient checks and other devices are compared against.
//
// Kernels never return data to the host: reading a tensor (ToHost, Data,
// Item) is the only step that waits for a device. Storage is released
// explicitly with Release, because GPU memory is not seen by Go's garbage
// collector.
//
// Dimension legend, used in every shape comment of the engine:
//
//	B batch, T tokens, D hidden, H heads, Dh head dim, C channels,
//	P patch size, N diffusion steps.
//
// FastCPU (fastcpu.go) is the CPU device for real work: the same Device,
// with a packed GEMM, vector loops in Go assembly chosen at run time, and
// the work split over the cores; the tests hold it to the reference.
//
// Programmer misuse, such as mismatched shapes, panics with a message naming
// the op and the shapes. This package imports only the standard library and
// github.com/klauspost/cpuid/v2, which says which vector instructions the
// CPU has.
package tensor
