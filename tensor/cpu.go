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
	live atomic.Int64
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
	return b
}

func (d *CPU[F]) Free(b Buffer) {
	cb := b.(*cpuBuffer[F])
	if cb.n < 0 {
		panic("tensor.CPU.Free: buffer freed twice")
	}
	cb.f, cb.i, cb.n = nil, nil, -1
	d.live.Add(-1)
}

func (d *CPU[F]) LiveBuffers() int { return int(d.live.Load()) }

func (d *CPU[F]) WriteFloat32(dst Buffer, src []float32) {
	f := d.f(dst)
	for i, x := range src {
		f[i] = F(x)
	}
}

func (d *CPU[F]) WriteFloat64(dst Buffer, src []float64) {
	f := d.f(dst)
	for i, x := range src {
		f[i] = F(x)
	}
}

func (d *CPU[F]) WriteInt32(dst Buffer, src []int32) { copy(d.i(dst), src) }

func (d *CPU[F]) ReadFloat32(dst []float32, src Buffer) error {
	for i, x := range d.f(src) {
		dst[i] = float32(x)
	}
	return nil
}

func (d *CPU[F]) ReadFloat64(dst []float64, src Buffer) error {
	for i, x := range d.f(src) {
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

// f returns the float storage of a buffer; nil for a nil (optional) buffer.
func (d *CPU[F]) f(b Buffer) []F {
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

func (d *CPU[F]) Fill(out Buffer, value float32, n int) { fillRef(d.f(out)[:n], F(value)) }

func (d *CPU[F]) MatMul(out, a, b, bias Buffer, args MatMulArgs) {
	matmulRef(d.f(out), d.f(a), d.f(b), d.f(bias), args)
}

func (d *CPU[F]) Binary(op BinaryOp, out, a, b Buffer, outer, mid, inner int) {
	binaryRef(op, d.f(out), d.f(a), d.f(b), outer, mid, inner)
}

func (d *CPU[F]) Unary(op UnaryOp, out, x Buffer, n int) {
	unaryRef(op, d.f(out)[:n], d.f(x)[:n])
}

func (d *CPU[F]) UnaryBackward(op UnaryOp, dx, dy, x, y Buffer, n int) {
	unaryBackwardRef(op, d.f(dx)[:n], d.f(dy)[:n], d.f(x)[:n], d.f(y)[:n])
}

func (d *CPU[F]) Scale(out, x Buffer, alpha float32, n int) {
	scaleRef(d.f(out)[:n], d.f(x)[:n], F(alpha))
}

func (d *CPU[F]) GatedResidual(out, x, gate, y Buffer, nB, nT, nD int) {
	gatedResidualRef(d.f(out), d.f(x), d.f(gate), d.f(y), nB, nT, nD)
}

func (d *CPU[F]) Sum(out, x Buffer, outer, mid, inner int) {
	sumRef(d.f(out), d.f(x), outer, mid, inner)
}

func (d *CPU[F]) Permute(out, x Buffer, args PermuteArgs) { permuteRef(d.f(out), d.f(x), args) }

func (d *CPU[F]) CopySlice(dst, src Buffer, args CopySliceArgs) {
	copySliceRef(d.f(dst), d.f(src), args)
}

func (d *CPU[F]) Gather(out, table, idx Buffer, n, dim int) {
	gatherRef(d.f(out), d.f(table), d.i(idx), n, dim)
}

func (d *CPU[F]) ScatterAdd(table, idx, src Buffer, n, dim int) {
	scatterAddRef(d.f(table), d.i(idx), d.f(src), n, dim)
}

func (d *CPU[F]) LayerNormModulate(out, mean, rstd, x, shift, scale Buffer, nB, nT, nD int) {
	layerNormModulateRef(d.f(out), d.f(mean), d.f(rstd), d.f(x), d.f(shift), d.f(scale), nB, nT, nD)
}

func (d *CPU[F]) LayerNormModulateBackward(dx, dshift, dscale, dout, x, scale, mean, rstd Buffer, nB, nT, nD int) {
	layerNormModulateBackwardRef(d.f(dx), d.f(dshift), d.f(dscale), d.f(dout), d.f(x), d.f(scale), d.f(mean), d.f(rstd), nB, nT, nD)
}

func (d *CPU[F]) Attention(out, lse, qkv Buffer, args AttentionArgs) {
	q, k, v := QKVParts(d.f(qkv), args)
	attentionRef(d.f(out), d.f(lse), q, k, v, args)
}

func (d *CPU[F]) AttentionBackward(dqkv, dout, qkv, out, lse Buffer, args AttentionArgs) {
	dq, dk, dv := QKVParts(d.f(dqkv), args)
	q, k, v := QKVParts(d.f(qkv), args)
	attentionBackwardRef(dq, dk, dv, d.f(dout), q, k, v, d.f(out), d.f(lse), args)
}

func (d *CPU[F]) AdamW(param, grad, m, v Buffer, n int, args AdamWArgs) {
	adamWRef(d.f(param)[:n], d.f(grad)[:n], d.f(m)[:n], d.f(v)[:n], args)
}

func (d *CPU[F]) EMA(ema, param Buffer, decay float32, n int) {
	emaRef(d.f(ema)[:n], d.f(param)[:n], F(decay))
}

func (d *CPU[F]) RandNormal(out Buffer, n int, seed, offset uint64) {
	randNormalRef(d.f(out)[:n], seed, offset)
}
