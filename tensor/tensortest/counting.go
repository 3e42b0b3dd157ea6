// Package tensortest holds helpers for the tests of any package that runs
// kernels: ForEachDevice, which runs a test body on every device, and
// Counting, a device that counts the kernels it is asked for.
//
// It imports tensor, the fast CPU device and vk/vktest.
package tensortest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ditgo/ditgo/tensor"
)

// Counting passes every kernel through to a real device and counts the
// calls by kernel name: how much work a forward pass or a training step
// asks for, the same on every device. It is not safe for concurrent use.
// It forwards only the Device methods: tensors made on it go through
// float32 I/O even when the wrapped device is the float64 reference.
// Alloc, Free, LiveBuffers, Memory and ResetPeak pass through uncounted
// (the embedded Device provides them), so a Counting reports the memory of
// the device it wraps.
type Counting struct {
	tensor.Device
	Calls map[string]int // kernel name (the Device method) → calls
}

// NewCounting wraps dev.
func NewCounting(dev tensor.Device) *Counting {
	return &Counting{Device: dev, Calls: map[string]int{}}
}

// Reset sets every count to zero.
func (d *Counting) Reset() { clear(d.Calls) }

// Total is the number of kernels counted.
func (d *Counting) Total() int {
	n := 0
	for _, c := range d.Calls {
		n += c
	}
	return n
}

// Layout is the number of pure data-movement kernels counted: Permute and
// CopySlice.
func (d *Counting) Layout() int { return d.Calls["Permute"] + d.Calls["CopySlice"] }

// String lists the counts, e.g. "12 kernels: MatMul 4, Permute 2, ...".
func (d *Counting) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(d.Calls)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, d.Calls[k]))
	}
	return fmt.Sprintf("%d kernels: %s", d.Total(), strings.Join(parts, ", "))
}

func (d *Counting) add(name string) { d.Calls[name]++ }

func (d *Counting) Fill(out tensor.Buffer, value float32, n int) {
	d.add("Fill")
	d.Device.Fill(out, value, n)
}

func (d *Counting) MatMul(out, a, b, bias, aux tensor.Buffer, args tensor.MatMulArgs) {
	d.add("MatMul")
	d.Device.MatMul(out, a, b, bias, aux, args)
}

func (d *Counting) Binary(op tensor.BinaryOp, out, a, b tensor.Buffer, outer, mid, inner int) {
	d.add("Binary")
	d.Device.Binary(op, out, a, b, outer, mid, inner)
}

func (d *Counting) Unary(op tensor.UnaryOp, out, x tensor.Buffer, n int) {
	d.add("Unary")
	d.Device.Unary(op, out, x, n)
}

func (d *Counting) UnaryBackward(op tensor.UnaryOp, dx, dy, x, y tensor.Buffer, n int) {
	d.add("UnaryBackward")
	d.Device.UnaryBackward(op, dx, dy, x, y, n)
}

func (d *Counting) Scale(out, x tensor.Buffer, alpha float32, n int) {
	d.add("Scale")
	d.Device.Scale(out, x, alpha, n)
}

func (d *Counting) GatedResidual(out, x, gate, y tensor.Buffer, nB, nT, nD int) {
	d.add("GatedResidual")
	d.Device.GatedResidual(out, x, gate, y, nB, nT, nD)
}

func (d *Counting) Sum(out, x tensor.Buffer, outer, mid, inner int) {
	d.add("Sum")
	d.Device.Sum(out, x, outer, mid, inner)
}

func (d *Counting) Permute(out, x tensor.Buffer, args tensor.PermuteArgs) {
	d.add("Permute")
	d.Device.Permute(out, x, args)
}

func (d *Counting) CopySlice(dst, src tensor.Buffer, args tensor.CopySliceArgs) {
	d.add("CopySlice")
	d.Device.CopySlice(dst, src, args)
}

func (d *Counting) Gather(out, table, idx tensor.Buffer, n, dim int) {
	d.add("Gather")
	d.Device.Gather(out, table, idx, n, dim)
}

func (d *Counting) ScatterAdd(table, idx, src tensor.Buffer, n, dim int) {
	d.add("ScatterAdd")
	d.Device.ScatterAdd(table, idx, src, n, dim)
}

func (d *Counting) LayerNormModulate(out, mean, rstd, x, shift, scale tensor.Buffer, nB, nT, nD int) {
	d.add("LayerNormModulate")
	d.Device.LayerNormModulate(out, mean, rstd, x, shift, scale, nB, nT, nD)
}

func (d *Counting) LayerNormModulateBackward(dx, dshift, dscale, dout, x, scale, mean, rstd tensor.Buffer, nB, nT, nD int) {
	d.add("LayerNormModulateBackward")
	d.Device.LayerNormModulateBackward(dx, dshift, dscale, dout, x, scale, mean, rstd, nB, nT, nD)
}

func (d *Counting) GroupNorm(out, mean, rstd, x, gamma, beta, shift, scale tensor.Buffer, args tensor.GroupNormArgs) {
	d.add("GroupNorm")
	d.Device.GroupNorm(out, mean, rstd, x, gamma, beta, shift, scale, args)
}

func (d *Counting) GroupNormBackward(dx, dgamma, dbeta, dshift, dscale, dout, x, gamma, beta, shift, scale, mean, rstd tensor.Buffer, args tensor.GroupNormArgs) {
	d.add("GroupNormBackward")
	d.Device.GroupNormBackward(dx, dgamma, dbeta, dshift, dscale, dout, x, gamma, beta, shift, scale, mean, rstd, args)
}

func (d *Counting) Upsample2x(out, x tensor.Buffer, nBC, h, w int) {
	d.add("Upsample2x")
	d.Device.Upsample2x(out, x, nBC, h, w)
}

func (d *Counting) Upsample2xBackward(dx, dout tensor.Buffer, nBC, h, w int) {
	d.add("Upsample2xBackward")
	d.Device.Upsample2xBackward(dx, dout, nBC, h, w)
}

func (d *Counting) Attention(out, lse, qkv tensor.Buffer, args tensor.AttentionArgs) {
	d.add("Attention")
	d.Device.Attention(out, lse, qkv, args)
}

func (d *Counting) AttentionBackward(dqkv, dout, qkv, out, lse tensor.Buffer, args tensor.AttentionArgs) {
	d.add("AttentionBackward")
	d.Device.AttentionBackward(dqkv, dout, qkv, out, lse, args)
}

func (d *Counting) Conv2D(out, x, w, bias tensor.Buffer, args tensor.Conv2DArgs) {
	d.add("Conv2D")
	d.Device.Conv2D(out, x, w, bias, args)
}

func (d *Counting) Conv2DBackwardInput(dx, dout, w tensor.Buffer, args tensor.Conv2DArgs) {
	d.add("Conv2DBackwardInput")
	d.Device.Conv2DBackwardInput(dx, dout, w, args)
}

func (d *Counting) Conv2DBackwardWeight(dw, dout, x tensor.Buffer, args tensor.Conv2DArgs, accumulate bool) {
	d.add("Conv2DBackwardWeight")
	d.Device.Conv2DBackwardWeight(dw, dout, x, args, accumulate)
}

func (d *Counting) AdamW(param, grad, m, v tensor.Buffer, n int, args tensor.AdamWArgs) {
	d.add("AdamW")
	d.Device.AdamW(param, grad, m, v, n, args)
}

func (d *Counting) EMA(ema, param tensor.Buffer, decay float32, n int) {
	d.add("EMA")
	d.Device.EMA(ema, param, decay, n)
}

func (d *Counting) RandNormal(out tensor.Buffer, n int, seed, offset uint64) {
	d.add("RandNormal")
	d.Device.RandNormal(out, n, seed, offset)
}

func (d *Counting) Dropout(out, x tensor.Buffer, n int, args tensor.DropoutArgs) {
	d.add("Dropout")
	d.Device.Dropout(out, x, n, args)
}
