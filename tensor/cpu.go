package tensor

import (
	"fmt"
	"sync/atomic"
)

// Float is the element type the CPU reference kernels are written for. The
// same loops run in float32 (the real device) and in float64 (the ground
// truth for gradient checks).
type Float interface{ ~float32 | ~float64 }

// CPU is the reference device: every kernel is a plain loop whose doc comment
// states what it computes. It is the ground truth for every other device.
// Rows are spread over the cores with parallelFor where that keeps the loop
// obviously correct; each output element is still computed by one goroutine
// in a fixed order, so results are deterministic.
type CPU[F Float] struct {
	live atomic.Int64 // buffers allocated and not freed
	mem  memoryMeter  // their bytes (memory.go)
}

// NewCPU returns the float32 CPU reference device.
func NewCPU() *CPU[float32] { return &CPU[float32]{} }

// NewCPU64 returns the float64 CPU reference device, used by the gradient
// checks and as the reference that other devices are compared against.
func NewCPU64() *CPU[float64] { return &CPU[float64]{} }

// cpuBuffer is Go memory: f holds floats, i holds int32 indices.
type cpuBuffer[F Float] struct {
	f     []F
	i     []int32
	dtype DType
	n     int
}

func (b *cpuBuffer[F]) Len() int     { return b.n }
func (b *cpuBuffer[F]) DType() DType { return b.dtype }

func (d *CPU[F]) Name() string {
	return fmt.Sprintf("cpu (reference, %v)", d.FloatType())
}

func (d *CPU[F]) FloatType() DType {
	var z F
	if _, ok := any(z).(float64); ok {
		return Float64
	}
	return Float32
}

func (d *CPU[F]) Alloc(dtype DType, n int) Buffer {
	b := &cpuBuffer[F]{dtype: dtype, n: n}
	switch dtype {
	case Int32:
		b.i = make([]int32, n)
	case d.FloatType():
		b.f = make([]F, n)
	default:
		panic(fmt.Sprintf("tensor.CPU.Alloc: %s cannot hold %v", d.Name(), dtype))
	}
	d.live.Add(1)
	d.mem.add(bufferBytes(dtype, n))
	return b
}

func (d *CPU[F]) Free(b Buffer) {
	cb := b.(*cpuBuffer[F])
	if cb.n < 0 {
		panic("tensor.CPU.Free: buffer freed twice")
	}
	d.live.Add(-1)
	d.mem.add(-bufferBytes(cb.dtype, cb.n))
	cb.f, cb.i, cb.n = nil, nil, -1
}

// AllocFrom is Alloc with storage that the caller supplies: it returns a
// float buffer of len(f) elements that holds f. With Reclaim it lets a
// device built on this one keep freed storage and reuse it (the fast CPU
// device pools it by length, as a training step frees and reallocates the
// same sizes every time); the reference device itself does not pool, to
// stay plain. The buffer counts in LiveBuffers and Memory as one from
// Alloc does, and Reclaim takes it out again, so storage held between the
// two by the device built on this one counts nowhere here.
func (d *CPU[F]) AllocFrom(f []F) Buffer {
	d.live.Add(1)
	d.mem.add(bufferBytes(d.FloatType(), len(f)))
	return &cpuBuffer[F]{f: f, dtype: d.FloatType(), n: len(f)}
}

// Reclaim frees b as Free does and returns its float storage, for reuse
// with AllocFrom; nil for an int32 buffer.
func (d *CPU[F]) Reclaim(b Buffer) []F {
	f := b.(*cpuBuffer[F]).f
	d.Free(b)
	return f
}

func (d *CPU[F]) LiveBuffers() int { return int(d.live.Load()) }

func (d *CPU[F]) WriteFloat32(dst Buffer, src []float32) {
	f := d.Floats(dst)
	for i, x := range src {
		f[i] = F(x)
	}
}

func (d *CPU[F]) WriteFloat64(dst Buffer, src []float64) {
	f := d.Floats(dst)
	for i, x := range src {
		f[i] = F(x)
	}
}

func (d *CPU[F]) WriteInt32(dst Buffer, src []int32) { copy(d.i(dst), src) }

func (d *CPU[F]) ReadFloat32(dst []float32, src Buffer) error {
	for i, x := range d.Floats(src) {
		dst[i] = float32(x)
	}
	return nil
}

func (d *CPU[F]) ReadFloat64(dst []float64, src Buffer) error {
	for i, x := range d.Floats(src) {
		dst[i] = float64(x)
	}
	return nil
}

func (d *CPU[F]) ReadInt32(dst []int32, src Buffer) error {
	copy(dst, d.i(src))
	return nil
}

// Sync has nothing to wait for: CPU kernels run when they are called.
func (d *CPU[F]) Sync() error { return nil }

// Floats returns the float storage of b, a float buffer that d made; nil
// for a nil (optional) buffer. The kernels below hand it to the reference
// loops, and a device built on this one (tensor/fastcpu) to its own loops.
func (d *CPU[F]) Floats(b Buffer) []F {
	if b == nil {
		return nil
	}
	cb := b.(*cpuBuffer[F])
	if cb.n < 0 {
		panic("tensor.CPU: buffer used after Free")
	}
	if cb.dtype == Int32 {
		panic("tensor.CPU: int32 buffer used where floats are expected")
	}
	return cb.f
}

func (d *CPU[F]) i(b Buffer) []int32 {
	cb := b.(*cpuBuffer[F])
	if cb.n < 0 {
		panic("tensor.CPU: buffer used after Free")
	}
	if cb.dtype != Int32 {
		panic("tensor.CPU: float buffer used where int32 indices are expected")
	}
	return cb.i
}

// The kernels: each forwards to the reference loop that sits beside the
// tensor-level op of the same name (matmul.go, attention.go, ...).

func (d *CPU[F]) Fill(out Buffer, value float32, n int) { FillRef(d.Floats(out)[:n], F(value)) }

func (d *CPU[F]) MatMul(out, a, b, bias, aux Buffer, args MatMulArgs) {
	MatMulRef(d.Floats(out), d.Floats(a), d.Floats(b), d.Floats(bias), d.Floats(aux), args)
}

func (d *CPU[F]) Binary(op BinaryOp, out, a, b Buffer, outer, mid, inner int) {
	BinaryRef(op, d.Floats(out), d.Floats(a), d.Floats(b), outer, mid, inner)
}

func (d *CPU[F]) Unary(op UnaryOp, out, x Buffer, n int) {
	UnaryRef(op, d.Floats(out)[:n], d.Floats(x)[:n])
}

func (d *CPU[F]) UnaryBackward(op UnaryOp, dx, dy, x, y Buffer, n int) {
	UnaryBackwardRef(op, d.Floats(dx)[:n], d.Floats(dy)[:n], d.Floats(x)[:n], d.Floats(y)[:n])
}

func (d *CPU[F]) Scale(out, x Buffer, alpha float32, n int) {
	ScaleRef(d.Floats(out)[:n], d.Floats(x)[:n], F(alpha))
}

func (d *CPU[F]) GatedResidual(out, x, gate, y Buffer, nB, nT, nD int) {
	GatedResidualRef(d.Floats(out), d.Floats(x), d.Floats(gate), d.Floats(y), nB, nT, nD)
}

func (d *CPU[F]) Sum(out, x Buffer, outer, mid, inner int) {
	SumRef(d.Floats(out), d.Floats(x), outer, mid, inner)
}

func (d *CPU[F]) Permute(out, x Buffer, args PermuteArgs) {
	PermuteRef(d.Floats(out), d.Floats(x), args)
}

func (d *CPU[F]) CopySlice(dst, src Buffer, args CopySliceArgs) {
	CopySliceRef(d.Floats(dst), d.Floats(src), args)
}

func (d *CPU[F]) Gather(out, table, idx Buffer, n, dim int) {
	GatherRef(d.Floats(out), d.Floats(table), d.i(idx), n, dim)
}

func (d *CPU[F]) ScatterAdd(table, idx, src Buffer, n, dim int) {
	ScatterAddRef(d.Floats(table), d.i(idx), d.Floats(src), n, dim)
}

func (d *CPU[F]) LayerNormModulate(out, mean, rstd, x, shift, scale Buffer, nB, nT, nD int) {
	LayerNormModulateRef(d.Floats(out), d.Floats(mean), d.Floats(rstd), d.Floats(x), d.Floats(shift), d.Floats(scale), nB, nT, nD)
}

func (d *CPU[F]) LayerNormModulateBackward(dx, dshift, dscale, dout, x, scale, mean, rstd Buffer, nB, nT, nD int) {
	LayerNormModulateBackwardRef(d.Floats(dx), d.Floats(dshift), d.Floats(dscale), d.Floats(dout), d.Floats(x), d.Floats(scale), d.Floats(mean), d.Floats(rstd), nB, nT, nD)
}

func (d *CPU[F]) GroupNorm(out, mean, rstd, x, gamma, beta, shift, scale Buffer, args GroupNormArgs) {
	GroupNormRef(d.Floats(out), d.Floats(mean), d.Floats(rstd), d.Floats(x), d.Floats(gamma), d.Floats(beta), d.Floats(shift), d.Floats(scale), args)
}

func (d *CPU[F]) GroupNormBackward(dx, dgamma, dbeta, dshift, dscale, dout, x, gamma, beta, shift, scale, mean, rstd Buffer, args GroupNormArgs) {
	GroupNormBackwardRef(d.Floats(dx), d.Floats(dgamma), d.Floats(dbeta), d.Floats(dshift), d.Floats(dscale),
		d.Floats(dout), d.Floats(x), d.Floats(gamma), d.Floats(beta), d.Floats(shift), d.Floats(scale), d.Floats(mean), d.Floats(rstd), args)
}

func (d *CPU[F]) Upsample2x(out, x Buffer, nBC, h, w int) {
	Upsample2xRef(d.Floats(out), d.Floats(x), nBC, h, w)
}

func (d *CPU[F]) Upsample2xBackward(dx, dout Buffer, nBC, h, w int) {
	Upsample2xBackwardRef(d.Floats(dx), d.Floats(dout), nBC, h, w)
}

func (d *CPU[F]) Attention(out, lse, qkv Buffer, args AttentionArgs) {
	q, k, v := QKVParts(d.Floats(qkv), args)
	AttentionRef(d.Floats(out), d.Floats(lse), q, k, v, args)
}

func (d *CPU[F]) AttentionBackward(dqkv, dout, qkv, out, lse Buffer, args AttentionArgs) {
	dq, dk, dv := QKVParts(d.Floats(dqkv), args)
	q, k, v := QKVParts(d.Floats(qkv), args)
	AttentionBackwardRef(dq, dk, dv, d.Floats(dout), q, k, v, d.Floats(out), d.Floats(lse), args)
}

func (d *CPU[F]) Conv2D(out, x, w, bias Buffer, args Conv2DArgs) {
	Conv2DRef(d.Floats(out), d.Floats(x), d.Floats(w), d.Floats(bias), args)
}

func (d *CPU[F]) Conv2DBackwardInput(dx, dout, w Buffer, args Conv2DArgs) {
	Conv2DBackwardInputRef(d.Floats(dx), d.Floats(dout), d.Floats(w), args)
}

func (d *CPU[F]) Conv2DBackwardWeight(dw, dout, x Buffer, args Conv2DArgs, accumulate bool) {
	Conv2DBackwardWeightRef(d.Floats(dw), d.Floats(dout), d.Floats(x), args, accumulate)
}

func (d *CPU[F]) AdamW(param, grad, m, v Buffer, n int, args AdamWArgs) {
	AdamWRef(d.Floats(param)[:n], d.Floats(grad)[:n], d.Floats(m)[:n], d.Floats(v)[:n], args)
}

func (d *CPU[F]) EMA(ema, param Buffer, decay float32, n int) {
	EMARef(d.Floats(ema)[:n], d.Floats(param)[:n], F(decay))
}

func (d *CPU[F]) RandNormal(out Buffer, n int, seed, offset uint64) {
	RandNormalRef(d.Floats(out)[:n], seed, offset)
}

func (d *CPU[F]) Dropout(out, x Buffer, n int, args DropoutArgs) {
	DropoutRef(d.Floats(out)[:n], d.Floats(x)[:n], args)
}
