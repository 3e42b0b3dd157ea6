// Package fastcpu is the CPU device for real work: a tensor.Device in
// float32 that embeds the reference device (tensor.CPU[float32]), so that it
// shares its buffers and every kernel defaults to the reference loop, and
// replaces the kernels that dominate training with fast ones:
//
//   - MatMul runs a blocked, packed GEMM (gemm.go) whose inner tile is an
//     assembly micro-kernel (gemm_amd64.s): AVX-512 with a 12×32 tile and
//     AVX-512 packing, or AVX2+FMA with a 6×16 tile, chosen at start-up
//     from what the CPU supports with github.com/klauspost/cpuid/v2; on
//     other CPUs and architectures, a pure-Go 4×4 tile. It runs on
//     GOMAXPROCS goroutines; the helper goroutines stay awake (spinning)
//     for a few hundred microseconds after each matmul, because waking a
//     sleeping core costs about 80 µs on a virtual machine (team.go).
//     All transposes, the bias, Accumulate and batches take the fast path;
//     only products with M·N·K below 128, and K = 0, run tensor.MatMulRef.
//     BF16 products (operands rounded to bfloat16, summed in float32) round
//     the operands as they are packed and run the float32 kernel, which
//     gives the float32 product of the rounded operands bit for bit; on
//     CPUs with AVX512_BF16 the avx512bf16 set runs them with VDPBF16PS
//     instead where that is faster: first on AMD's Zen 5, where it is
//     twice as fast; only when asked for on the Emerald Rapids measured,
//     where it is half as fast (gemm_bf16.go, instructionset_amd64.go).
//   - Conv2D and its two gradients run on the same GEMM, with the im2col
//     matrix gathered from the input straight into the GEMM's packed
//     panels instead of being stored (conv_gather.go), and the products
//     shared out whole to the cores (conv.go).
//   - Attention runs its products as batched GEMMs and the row softmax and
//     its gradient in AVX-512 (attention_amd64.s) where the CPU has it
//     (attention.go); GELU (unary_amd64.s, AVX-512 or AVX2), the float64
//     column sums of Sum (reduce_amd64.s) and AdamW (optim_amd64.s, the
//     reference's bits) are vector loops too, and so are the group norm's
//     blocked sums and rows (groupnorm_amd64.s), which the layer norm's
//     moments share, the layer norm's rows (layernorm_amd64.s), the
//     convolution's row copies (conv_amd64.s) and Binary's add, subtract
//     and multiply (elementwise_amd64.s); the upsampling and the other
//     elementwise ops are float32 loops split over the cores.
//
// The micro-kernel and the vector loops of one instruction set make an
// instructionSet (instructionset.go), and the device runs one set, so
// DITGO_CPU_KERNEL=generic gives the Go loops everywhere (and avx512,
// avx512bf16 or avx2 forces those). Every vector loop computes what a Go loop beside it
// computes, and the tests hold both to the reference.
//
// Results are deterministic: they do not depend on the number of cores or
// on timing. They differ from the reference only by float32 rounding,
// because the sums are formed in another order; AdamW, EMA, Sum and
// Dropout give the reference's bits.
//
// Reading order: device.go (the Device and how it picks its instruction
// set), instructionset.go and instructionset_amd64.go (what each set
// brings); then the kernels: matmul.go and gemm.go, with gemm_kernel.go
// (the micro-kernel's contract) and gemm_bf16.go (BF16 products);
// conv.go and conv_gather.go; attention.go; unary.go and exp.go;
// reduce.go, elementwise.go, layernorm.go, groupnorm.go, upsample.go,
// dropout.go, optim.go, permute.go. A kernel
// with assembly has it in the _amd64.go and _amd64.s files of its own name
// (exp.go's in exp_amd64.h, the GEMM's packing in gemm_pack_amd64.s, the
// frame its AVX-512 kernels share in gemm_amd64.h), and
// its test in the _test.go file. Last the machinery: team.go and
// parallel.go (the worker goroutines) and pool.go (reused storage,
// and which bytes Memory and PoolBytes count).
//
// This package imports the standard library, package tensor (the Device
// contract, the reference loops it falls back on, and the CPU device's
// buffers through Floats, AllocFrom and Reclaim) and
// github.com/klauspost/cpuid/v2, which says which vector instructions the
// CPU has.
package fastcpu
