package tensor

import (
	"fmt"
	"slices"
)

// MaxRank is the largest rank a tensor may have. Six is what patchify needs:
// [B, C, H/P, P, W/P, P].
const MaxRank = 6

// Tensor is a dense, row-major array with a shape, held on one device.
//
// A tensor owns its Buffer unless it is a view made by Reshape, which shares
// the buffer of its base. Release frees an owned buffer; the GPU's memory is
// not seen by Go's garbage collector, so whoever makes a tensor releases it
// (autograd.Graph does this for a whole training step).
type Tensor struct {
	shape []int
	dtype DType
	dev   Device
	buf   Buffer
	base  *Tensor // for a view made by Reshape: the tensor that owns buf
}

// New returns a tensor of the given shape on dev, in the device's float type.
// Its contents are unspecified: kernels overwrite their outputs completely.
func New(dev Device, shape ...int) *Tensor {
	return newTensor(dev, dev.FloatType(), shape)
}

// NewInt32 returns an int32 tensor with unspecified contents.
func NewInt32(dev Device, shape ...int) *Tensor {
	return newTensor(dev, Int32, shape)
}

func newTensor(dev Device, dtype DType, shape []int) *Tensor {
	checkShape("New", shape)
	return &Tensor{shape: slices.Clone(shape), dtype: dtype, dev: dev, buf: dev.Alloc(dtype, numel(shape))}
}

// Zeros returns a float tensor filled with 0.
func Zeros(dev Device, shape ...int) *Tensor { return Full(dev, 0, shape...) }

// Full returns a float tensor filled with value.
func Full(dev Device, value float32, shape ...int) *Tensor {
	t := New(dev, shape...)
	dev.Fill(t.buf, value, t.Numel())
	return t
}

// FromSlice copies data into a new float tensor on dev.
func FromSlice(dev Device, data []float32, shape ...int) *Tensor {
	checkLen("FromSlice", len(data), shape)
	t := New(dev, shape...)
	dev.WriteFloat32(t.buf, data)
	return t
}

// FromInt32 copies data into a new int32 tensor on dev.
func FromInt32(dev Device, data []int32, shape ...int) *Tensor {
	checkLen("FromInt32", len(data), shape)
	t := NewInt32(dev, shape...)
	dev.WriteInt32(t.buf, data)
	return t
}

// FromFloat64 copies data into a new float tensor on dev. On a float64 device
// the values are kept exactly; elsewhere they are rounded to float32.
func FromFloat64(dev Device, data []float64, shape ...int) *Tensor {
	checkLen("FromFloat64", len(data), shape)
	t := New(dev, shape...)
	if io, ok := dev.(Float64IO); ok {
		io.WriteFloat64(t.buf, data)
		return t
	}
	f := make([]float32, len(data))
	for i, x := range data {
		f[i] = float32(x)
	}
	dev.WriteFloat32(t.buf, f)
	return t
}

// Shape returns a copy of the tensor's shape.
func (t *Tensor) Shape() []int { return slices.Clone(t.shape) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Rank is the number of axes.
func (t *Tensor) Rank() int { return len(t.shape) }

// Numel is the number of elements: the product of the shape.
func (t *Tensor) Numel() int { return numel(t.shape) }

// DType is the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Device is where the tensor's storage lives.
func (t *Tensor) Device() Device { return t.dev }

// Buffer is the device storage handle; device implementations and tests use
// it, model code never needs to.
func (t *Tensor) Buffer() Buffer { return t.buf }

func (t *Tensor) String() string {
	return fmt.Sprintf("Tensor%v(%v)", t.shape, t.dtype)
}

// ToHost waits for the device and returns the values as float32.
func (t *Tensor) ToHost() ([]float32, error) {
	t.mustLive("ToHost")
	if t.dtype == Int32 {
		panic(fmt.Sprintf("tensor.ToHost: %v is int32; use Int32s", t))
	}
	out := make([]float32, t.Numel())
	if io, ok := t.dev.(Float64IO); ok && t.dtype == Float64 {
		f := make([]float64, t.Numel())
		if err := io.ReadFloat64(f, t.buf); err != nil {
			return nil, err
		}
		for i, x := range f {
			out[i] = float32(x)
		}
		return out, nil
	}
	if err := t.dev.ReadFloat32(out, t.buf); err != nil {
		return nil, err
	}
	return out, nil
}

// Data is ToHost for tests and examples: it panics if the device failed.
// Programs that must survive a device failure use ToHost.
func (t *Tensor) Data() []float32 {
	d, err := t.ToHost()
	if err != nil {
		panic(err)
	}
	return d
}

// Float64s returns the values as float64, exactly on a float64 device.
func (t *Tensor) Float64s() ([]float64, error) {
	t.mustLive("Float64s")
	out := make([]float64, t.Numel())
	if io, ok := t.dev.(Float64IO); ok && t.dtype == Float64 {
		return out, io.ReadFloat64(out, t.buf)
	}
	f, err := t.ToHost()
	for i, x := range f {
		out[i] = float64(x)
	}
	return out, err
}

// Int32s returns the values of an int32 tensor.
func (t *Tensor) Int32s() ([]int32, error) {
	t.mustLive("Int32s")
	if t.dtype != Int32 {
		panic(fmt.Sprintf("tensor.Int32s: %v is not int32", t))
	}
	out := make([]int32, t.Numel())
	return out, t.dev.ReadInt32(out, t.buf)
}

// Item returns the single value of a one-element tensor (a loss, a norm).
func (t *Tensor) Item() (float32, error) {
	if t.Numel() != 1 {
		panic(fmt.Sprintf("tensor.Item: %v has %d elements, want 1", t, t.Numel()))
	}
	d, err := t.ToHost()
	if err != nil {
		return 0, err
	}
	return d[0], nil
}

// Reshape returns a view with a new shape and the same elements. The view
// shares the buffer, so it must not outlive t and is never released itself.
// One axis may be -1, meaning "whatever is left".
func (t *Tensor) Reshape(shape ...int) *Tensor {
	t.mustLive("Reshape")
	shape = slices.Clone(shape)
	infer := -1
	known := 1
	for i, s := range shape {
		if s == -1 && infer < 0 {
			infer = i
			continue
		}
		known *= s
	}
	if infer >= 0 && known > 0 {
		shape[infer] = t.Numel() / known
	}
	checkShape("Reshape", shape)
	if numel(shape) != t.Numel() {
		panic(fmt.Sprintf("tensor.Reshape: cannot view %v as %v", t.shape, shape))
	}
	base := t
	if t.base != nil {
		base = t.base
	}
	return &Tensor{shape: shape, dtype: t.dtype, dev: t.dev, buf: t.buf, base: base}
}

// Release frees the tensor's storage. Releasing a view does nothing (its
// base owns the storage); releasing twice is a programming error.
func (t *Tensor) Release() {
	if t.base != nil {
		return
	}
	t.mustLive("Release")
	t.dev.Free(t.buf)
	t.buf = nil
}

// Released reports whether the tensor's storage has been freed (for a view:
// whether its base has been released).
func (t *Tensor) Released() bool { return t.buf == nil || (t.base != nil && t.base.buf == nil) }

func (t *Tensor) mustLive(op string) {
	if t.Released() {
		panic(fmt.Sprintf("tensor.%s: tensor %v used after Release", op, t.shape))
	}
}
