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
//
// Memory accounting follows the storage: while a tensor holds it, it counts
// in the embedded reference device's Memory (AllocFrom adds it, Reclaim
// takes it out); while it waits here, it counts in bytes, which PoolBytes
// reports. Each byte is counted in exactly one of the two.
type bufferPool struct {
	mu    sync.Mutex
	free  map[int][][]float32
	bytes int64 // of all the storage in free
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
		d.pool.bytes -= int64(n) * 4
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
	d.pool.bytes += int64(len(f)) * 4
	d.pool.mu.Unlock()
}

// PoolBytes reports the bytes of freed float32 storage that the pool keeps
// for reuse. Memory (promoted from the embedded reference device) counts
// only what tensors hold, as on every device, so the memory this device
// holds from Go is Memory's live bytes plus PoolBytes. The pool never gives
// storage back: for each length it keeps as many buffers as were ever live
// at once.
func (d *Device) PoolBytes() int64 {
	d.pool.mu.Lock()
	defer d.pool.mu.Unlock()
	return d.pool.bytes
}
