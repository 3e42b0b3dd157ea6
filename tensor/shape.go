package tensor

import (
	"fmt"
	"slices"
)

// numel is the product of a shape: the number of elements.
func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func checkShape(op string, shape []int) {
	if len(shape) > MaxRank {
		panic(fmt.Sprintf("tensor.%s: shape %v has rank %d, the most is %d", op, shape, len(shape), MaxRank))
	}
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("tensor.%s: shape %v has a negative size", op, shape))
		}
	}
}

func checkLen(op string, n int, shape []int) {
	checkShape(op, shape)
	if n != numel(shape) {
		panic(fmt.Sprintf("tensor.%s: %d values do not fill shape %v (%d elements)", op, n, shape, numel(shape)))
	}
}

// mustSameShape panics unless a and b have equal shapes, naming the op.
func mustSameShape(op string, a, b *Tensor) {
	if !slices.Equal(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor.%s: shapes %v and %v differ", op, a.shape, b.shape))
	}
}

// mustSameDevice panics unless every tensor lives on the same device and is
// not yet released.
func mustSameDevice(op string, ts ...*Tensor) Device {
	var dev Device
	for _, t := range ts {
		if t == nil {
			continue
		}
		t.mustLive(op)
		if dev == nil {
			dev = t.dev
		} else if t.dev != dev {
			panic(fmt.Sprintf("tensor.%s: tensors %v and %v are on different devices (%s, %s)", op, ts[0].shape, t.shape, dev.Name(), t.dev.Name()))
		}
	}
	return dev
}

func mustFloat(op string, ts ...*Tensor) {
	for _, t := range ts {
		if t != nil && t.dtype == Int32 {
			panic(fmt.Sprintf("tensor.%s: tensor %v is int32, want a float tensor", op, t.shape))
		}
	}
}

// buf returns t's buffer, or nil for a nil (optional) tensor.
func buf(t *Tensor) Buffer {
	if t == nil {
		return nil
	}
	return t.buf
}

// sameDims reports whether shape a equals the list of dims.
func sameDims(a []int, dims ...int) bool { return slices.Equal(a, dims) }
