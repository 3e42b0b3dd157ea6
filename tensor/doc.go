// Package tensor holds the engine's dense arrays and the kernels that compute
// on them.
//
// A Tensor is a row-major array with a shape and a dtype, living on one
// Device. Device is the small interface of primitive kernels that every
// backend implements: matmul, fused attention, fused layernorm-modulation,
// 2-D convolution, fused group norm, nearest-neighbour upsampling,
// elementwise and broadcast ops, reductions, data movement, gather and
// scatter-add, AdamW, EMA, and a Philox stream that gives random normals
// and dropout's masks. Everything
// above this package — autodiff, layers, the DiT and the U-Net — is built
// from them.
//
// The functions of this package (MatMul, Attention, LayerNormModulate, ...)
// check shapes, allocate the output and call the device. Each sits in a file
// beside its CPU reference kernel (MatMulRef, AttentionRef, ...), whose doc
// comment is the loop it computes. The CPU device runs those references; it
// is generic over float32 and float64, and the float64 instance is the
// ground truth that gradient checks and other devices are compared against.
// Its loops that are worth splitting run on plain goroutines, one range of
// rows each (parallel.go), which does not change a bit of the result.
//
// Kernels never return data to the host: reading a tensor (ToHost, Data,
// Item) is the only step that waits for a device. Storage is released
// explicitly with Release, because GPU memory is not seen by Go's garbage
// collector. Every device counts the buffers (LiveBuffers) and bytes
// (Memory: live and peak) that tensors hold, the same way, so a leak or a
// step's peak reads the same on the CPU and on the GPU (memory.go).
//
// Dimension legend, used in every shape comment of the engine:
//
//	B batch, T tokens, D hidden, H heads, Dh head dim, C channels,
//	P patch size, N diffusion steps.
//
// The references are exported, with the CPU device's Floats, AllocFrom and
// Reclaim, so that a device can be built on this one without reaching into
// it: tensor/fastcpu, the CPU device for real work, embeds the float32 CPU
// device, replaces the kernels that dominate training with a packed GEMM,
// vector loops in Go assembly and a team of worker goroutines, and falls
// back on the references for the rest; its tests hold it to them.
//
// Programmer misuse, such as mismatched shapes, panics with a message naming
// the op and the shapes. This package imports only the standard library.
package tensor
