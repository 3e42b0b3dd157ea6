package fastcpu

import (
	"sync"

	"github.com/ditgo/ditgo/tensor"
)

// bufferPool keeps freed float32 storage of the fast device by length, so
// that the next step's tensors reuse it instead of asking Go for fresh,
// zeroed memory (a training step frees and reallocates the same sizes every
// time). The reference device does not pool, to stay plain; it lends the
// storage of its buffers through tensor.CPU's AllocFrom and Reclaim.
type bufferPool struct {
	mu   sync.Mutex
	free map[int][][]float32
}

// Alloc returns float32 storage from the pool when a freed buffer of the
// same length exists; its contents are then left from earlier use, which
// the tensor.Device contract allows.
func (d *Device) Alloc(dtype tensor.DType, n int) tensor.Buffer {
	if dtype != tensor.Float32 {
		return d.CPU.Alloc(dtype, n)
	}
	d.pool.mu.Lock()
	list := d.pool.free[n]
	var f []float32
	if k := len(list); k > 0 {
		f, d.pool.free[n] = list[k-1], list[:k-1]
	}
	d.pool.mu.Unlock()
	if f == nil {
		return d.CPU.Alloc(dtype, n)
	}
	return d.CPU.AllocFrom(f)
}

// Free returns float32 storage to the pool.
func (d *Device) Free(b tensor.Buffer) {
	f := d.CPU.Reclaim(b) // nil for int32 indices
	if f == nil {
		return
	}
	d.pool.mu.Lock()
	if d.pool.free == nil {
		d.pool.free = map[int][][]float32{}
	}
	d.pool.free[len(f)] = append(d.pool.free[len(f)], f)
	d.pool.mu.Unlock()
}
