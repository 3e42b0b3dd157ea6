package tensor

// Buffer is device storage: an opaque handle to Len elements of one DType that
// live wherever the device keeps them (Go memory for the CPU device, a
// VkBuffer range for the Vulkan device). Only the device that made a Buffer
// may read or write it.
type Buffer interface {
	Len() int
	DType() DType
}

// Device is the small set of primitive kernels that every backend implements.
// Everything else in the engine — autodiff, layers, the DiT — is built from
// these calls.
//
// The rules that every implementation follows:
//
//   - Kernels never hand data back to the host. They take and fill Buffers,
//     so that a device may record them and run them later. ReadFloat32 and
//     ReadInt32 (and Sync) are the only calls that wait for the work.
//   - Outputs come first in the argument list and sizes come last, as in
//     llm.c. The shape of every Buffer argument is given in the doc comment of
//     the matching function in this package (MatMul, Attention, ...), which
//     checks shapes before calling the device.
//   - Elementwise kernels (Binary, Unary, Scale, GatedResidual) allow the
//     output to alias an input. No other kernel does.
//   - A device that fails (out of memory, a lost GPU) remembers the first
//     error, skips later kernels and returns the error from the next Read or
//     Sync. The CPU device never fails this way.
type Device interface {
	// Name describes the device for logs, e.g. "cpu (reference, float32)".
	Name() string
	// FloatType is the floating-point type the device computes in.
	FloatType() DType

	// Alloc returns a buffer of n elements of dtype. Its contents are
	// unspecified until written.
	Alloc(dtype DType, n int) Buffer
	// Free releases a buffer. Using it afterwards is a programming error.
	Free(b Buffer)
	// LiveBuffers counts allocated buffers that are not yet freed; a run
	// that ends with more than it started with leaks.
	LiveBuffers() int
	// Memory reports the bytes that tensors hold. live is the sum, over the
	// buffers allocated and not yet freed, of n × dtype.Size() as they were
	// asked for in Alloc; peak is the most live has been since the device
	// was made or since ResetPeak. Neither counts what a device keeps
	// around those buffers (a pool of freed storage, alignment padding,
	// the unused part of a larger block), so one program reports the same
	// numbers on every float32 device; a device that keeps more reports
	// that with a method of its own.
	Memory() (live, peak int64)
	// ResetPeak sets peak to live, so that the next Memory reports the
	// most that was held by what ran in between (one training step, say).
	ResetPeak()

	WriteFloat32(dst Buffer, src []float32)
	WriteInt32(dst Buffer, src []int32)
	// ReadFloat32 and ReadInt32 finish all recorded work, then copy the
	// buffer to the host.
	ReadFloat32(dst []float32, src Buffer) error
	ReadInt32(dst []int32, src Buffer) error
	// Sync finishes all recorded work and reports the first error, if any.
	Sync() error

	// Fill sets out[i] = value for i < n.
	Fill(out Buffer, value float32, n int)
	// MatMul: out[batch, M, N] = op(A)·op(B) (+ bias[N]), then the
	// epilogue, which writes or reads aux (like out; nil without one); see
	// MatMulArgs.
	MatMul(out, a, b, bias, aux Buffer, args MatMulArgs)
	// Binary: out = a ∘ b with b broadcast over the middle axis; see Binary.
	Binary(op BinaryOp, out, a, b Buffer, outer, mid, inner int)
	// Unary: out = f(x) elementwise.
	Unary(op UnaryOp, out, x Buffer, n int)
	// UnaryBackward: dx = dy · f'(x), given x and y = f(x).
	UnaryBackward(op UnaryOp, dx, dy, x, y Buffer, n int)
	// Scale: out = alpha · x.
	Scale(out, x Buffer, alpha float32, n int)
	// GatedResidual: out[b,t,d] = x[b,t,d] + gate[b,d] · y[b,t,d].
	GatedResidual(out, x, gate, y Buffer, nB, nT, nD int)
	// Sum: out[o,i] = Σ_m x[o,m,i].
	Sum(out, x Buffer, outer, mid, inner int)
	// Permute: out is x with its axes reordered; see Permute.
	Permute(out, x Buffer, args PermuteArgs)
	// CopySlice copies a block of rows along one axis; see CopySliceArgs.
	CopySlice(dst, src Buffer, args CopySliceArgs)
	// Gather: out[i,d] = table[idx[i],d].
	Gather(out, table, idx Buffer, n, d int)
	// ScatterAdd: table[idx[i],d] += src[i,d], in order of i.
	ScatterAdd(table, idx, src Buffer, n, d int)
	// LayerNormModulate: out = LN(x)·(1+scale)+shift; saves mean and rstd.
	LayerNormModulate(out, mean, rstd, x, shift, scale Buffer, nB, nT, nD int)
	// LayerNormModulateBackward: gradients of LayerNormModulate.
	LayerNormModulateBackward(dx, dshift, dscale, dout, x, scale, mean, rstd Buffer, nB, nT, nD int)

	// GroupNorm and nearest-neighbour upsampling, for the U-Net and the VAE.

	// GroupNorm: out = (x̂·gamma + beta)·(1+scale) + shift over NCHW x, with
	// x̂ normalised per (sample, group), and SiLU of that with args.SiLU;
	// saves mean and rstd; see GroupNorm and GroupNormSiLU.
	GroupNorm(out, mean, rstd, x, gamma, beta, shift, scale Buffer, args GroupNormArgs)
	// GroupNormBackward: gradients of GroupNorm; dshift and dscale may be
	// nil (not wanted). With args.SiLU, dout is the gradient of the SiLU's
	// output, and shift (nil for none) is the forward's, to recompute the
	// SiLU's input.
	GroupNormBackward(dx, dgamma, dbeta, dshift, dscale, dout, x, gamma, beta, shift, scale, mean, rstd Buffer, args GroupNormArgs)
	// Upsample2x: out[bc,2i+di,2j+dj] = x[bc,i,j], nearest neighbour.
	Upsample2x(out, x Buffer, nBC, h, w int)
	// Upsample2xBackward: dx[bc,i,j] = Σ of dout's 2×2 block at (2i, 2j).
	Upsample2xBackward(dx, dout Buffer, nBC, h, w int)

	// Attention: out = softmax(Q·Kᵀ·scale)·V per batch and head, with Q, K
	// and V the three parts of the packed qkv; saves the log-sum-exp of
	// every score row.
	Attention(out, lse, qkv Buffer, args AttentionArgs)
	// AttentionBackward: the gradient of Attention with respect to qkv,
	// packed the same way, recomputing the probabilities from lse.
	AttentionBackward(dqkv, dout, qkv, out, lse Buffer, args AttentionArgs)

	// Convolution

	// Conv2D: out = x ⋆ w (+ bias), a 2-D convolution in NCHW with stride
	// and zero padding; see Conv2DArgs.
	Conv2D(out, x, w, bias Buffer, args Conv2DArgs)
	// Conv2DBackwardInput: dx, the gradient of Conv2D with respect to x.
	Conv2DBackwardInput(dx, dout, w Buffer, args Conv2DArgs)
	// Conv2DBackwardWeight: dw, the gradient of Conv2D with respect to w,
	// added to dw when accumulate is true.
	Conv2DBackwardWeight(dw, dout, x Buffer, args Conv2DArgs, accumulate bool)

	// AdamW updates param, m and v in place from grad.
	AdamW(param, grad, m, v Buffer, n int, args AdamWArgs)
	// EMA: ema = decay·ema + (1-decay)·param.
	EMA(ema, param Buffer, decay float32, n int)
	// RandNormal fills out with standard normals from the Philox stream
	// (seed, offset); see Philox.
	RandNormal(out Buffer, n int, seed, offset uint64)
	// Dropout: out[j] = x[j]·1/(1−P) where value Offset+j of the Philox
	// stream (Seed) keeps it, else 0; see Dropout.
	Dropout(out, x Buffer, n int, args DropoutArgs)
}

// Float64IO is implemented by devices that hold float64 buffers (the float64
// CPU reference used for gradient checks).
type Float64IO interface {
	WriteFloat64(dst Buffer, src []float64)
	ReadFloat64(dst []float64, src Buffer) error
}

// MatMulArgs describes a batched matrix product
//
//	out[n] = op(A[n]) · op(B[n])        n < Batch
//
// where op(A) is M×K and op(B) is K×N. A is stored M×K, or K×M when TransA;
// B is stored K×N, or N×K when TransB. All are row-major and contiguous.
// With Accumulate the product is added to out instead of overwriting it
// (this is how parameter gradients accumulate without a temporary). With
// Round the operands are rounded to bfloat16 (RoundBF16) or float16
// (RoundFP16) first and their products, exact in float32, are summed in
// float32: mixed precision as PyTorch's autocast computes it. Bias and out
// stay float32.
type MatMulArgs struct {
	Batch, M, N, K int
	TransA, TransB bool
	Accumulate     bool
	Round          Rounding
	Epilogue       Epilogue
}

// Epilogue is elementwise work a product does on its results r (bias and
// accumulation included) as it stores them, which saves the pass over
// them that a separate kernel would make, and its dispatch. Both serve a
// transformer's MLP, Linear–GELU–Linear (MLP, tensor/mlp.go):
//
//	EpilogueGELU      aux = r, out = GELU(r)       the first Linear and the
//	                                               activation, keeping the
//	                                               pre-activation for the
//	                                               backward pass
//	EpilogueGELUGrad  out = r·GELU'(aux)           the gradient that reaches
//	                                               the first Linear: the second
//	                                               one's input gradient times
//	                                               the activation's slope
//
// GELU is the tanh approximation (OpGELU), computed as UnaryRef and
// UnaryBackwardRef compute it.
type Epilogue uint8

const (
	EpilogueNone Epilogue = iota
	EpilogueGELU
	EpilogueGELUGrad
)

// AttentionArgs describes softmax attention over q, k, v of shape
// [B, H, T, Dh], packed one after the other in a qkv buffer of
// 3·B·H·T·Dh floats (see QKVParts). Scale multiplies the scores, usually
// 1/√Dh. With Round every matrix product of attention takes operands
// rounded to bfloat16 or float16 and sums in float32, as MatMulArgs.Round
// does: forward S = q·kᵀ and O = P·v, backward dP = dO·vᵀ, dv = Pᵀ·dO,
// dq = dS·k and dk = dSᵀ·q, where P are the probabilities and dS the
// scaled score gradients (AttentionRef and AttentionBackwardRef say
// exactly which numbers are rounded). The softmax itself, its statistics
// and every output stay float32.
type AttentionArgs struct {
	B, H, T, Dh int
	Scale       float32
	Round       Rounding
}

// PermuteArgs reorders the axes of a contiguous array of shape Shape[:Rank]:
// output axis i is input axis Perm[i].
type PermuteArgs struct {
	Rank  int
	Shape [MaxRank]int
	Perm  [MaxRank]int
}

// CopySliceArgs views src as [Outer, SrcLen, Inner] and dst as
// [Outer, DstLen, Inner] and copies
//
//	dst[o, DstOff+j, i] = src[o, SrcOff+j, i]   for j < N
//
// Concatenation and chunking along an axis are both made of this copy.
type CopySliceArgs struct {
	Outer, Inner   int
	N              int
	SrcLen, SrcOff int
	DstLen, DstOff int
}

// GroupNormArgs describes a group norm over x [B, C, HW] (HW the product of
// the spatial axes): the C channels form Groups groups of C/Groups
// consecutive channels, and each (sample, group) is normalised over its
// C/Groups·HW elements with ε = Eps. With SiLU, the output is SiLU of the
// group norm's (GroupNormSiLU).
type GroupNormArgs struct {
	B, C, HW, Groups int
	Eps              float32
	SiLU             bool
}

// AdamWArgs are the hyper-parameters of one AdamW step, with the bias
// corrections computed on the host: Step is the 1-based step count.
type AdamWArgs struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	Step                               int
}

// BinaryOp selects the operation of Device.Binary.
type BinaryOp int

const (
	OpAdd BinaryOp = iota
	OpSub
	OpMul
	OpDiv
	OpMax          // the larger of a and b
	OpMin          // the smaller of a and b
	OpGreaterEqual // 1 where a ≥ b, else 0: a mask, for the gradients of Max and Min
)

func (op BinaryOp) String() string {
	return [...]string{"Add", "Sub", "Mul", "Div", "Max", "Min", "GreaterEqual"}[op]
}

// UnaryOp selects the function of Device.Unary.
type UnaryOp int

const (
	OpSiLU UnaryOp = iota
	OpGELU         // tanh approximation
	OpExp
	OpLog
	OpTanh
)

func (op UnaryOp) String() string {
	return [...]string{"SiLU", "GELU", "Exp", "Log", "Tanh"}[op]
}
