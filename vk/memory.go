//go:build cgo

package vk

/*
#include "shim.h"
*/
import "C"

import (
	"cmp"
	"fmt"
	"slices"
	"unsafe"

	vkgo "github.com/vulkan-go/vulkan"

	"github.com/ditgo/ditgo/tensor"
)

// Memory property bits, from the specification.
const (
	memDeviceLocal  = 0x1
	memHostVisible  = 0x2
	memHostCoherent = 0x4
	memHostCached   = 0x8
)

// memoryTypes returns the property flags of each memory type of the device.
func (d *Device) memoryTypes() ([]uint32, error) {
	var props vkgo.PhysicalDeviceMemoryProperties
	vkgo.GetPhysicalDeviceMemoryProperties(vkgo.PhysicalDevice(unsafe.Pointer(d.physical)), &props)
	props.Deref()
	types := make([]uint32, props.MemoryTypeCount)
	for i := range types {
		props.MemoryTypes[i].Deref()
		types[i] = uint32(props.MemoryTypes[i].PropertyFlags)
	}
	props.Free()
	if len(types) == 0 {
		return nil, fmt.Errorf("vk: %s reports no memory types", d.name)
	}
	return types, nil
}

// A heap hands out ranges of a few large VkBuffers ("blocks"), because
// devices limit the number of allocations (4096 is common) and each one is
// slow. Tensors are bound to shaders as (block, offset, size).
type heap struct {
	dev       *Device
	types     []uint32 // property flags of each memory type
	want      uint32   // the properties its memory must have
	prefer    uint32   // properties it would like as well
	host      bool     // map blocks for the host (staging)
	blockSize uint64
	align     uint64
	blocks    []*block
}

// block is one VkBuffer with its memory, and the free ranges in it.
type block struct {
	buf       C.VkBuffer
	mem       C.VkDeviceMemory
	memBytes  uint64         // of mem: the size the driver required, at least size
	mapped    unsafe.Pointer // host address of byte 0, for staging blocks
	size      uint64
	free      []span // sorted by offset; neighbours are merged
	dedicated bool   // made for one allocation larger than blockSize
}

type span struct{ off, size uint64 }

// alloc returns size bytes (rounded up to the alignment) from the first
// shared block with room, making a new block when none has. An allocation
// larger than a block gets a dedicated block of its own, which later serves
// only allocations as large, so small tensors cannot fragment it.
func (h *heap) alloc(size uint64) (*block, uint64, error) {
	size = (size + h.align - 1) / h.align * h.align
	large := size > h.blockSize
	for _, b := range h.blocks {
		if b.dedicated != large || (large && len(b.free) == 0) {
			continue
		}
		if large && (b.free[0].size != b.size || b.size < size) {
			continue // a dedicated block is lent whole, when it is free and big enough
		}
		if off, ok := b.take(size); ok {
			return b, off, nil
		}
	}
	b, err := h.newBlock(max(size, h.blockSize))
	if err != nil {
		return nil, 0, err
	}
	b.dedicated = large
	off, _ := b.take(size)
	return b, off, nil
}

// take carves size bytes from the first free range large enough.
func (b *block) take(size uint64) (uint64, bool) {
	for i, s := range b.free {
		if s.size < size {
			continue
		}
		if s.size == size {
			b.free = slices.Delete(b.free, i, i+1)
		} else {
			b.free[i] = span{s.off + size, s.size - size}
		}
		return s.off, true
	}
	return 0, false
}

// put returns a range to its block, merging it with free neighbours.
func (h *heap) put(b *block, off, size uint64) {
	size = (size + h.align - 1) / h.align * h.align
	i, _ := slices.BinarySearchFunc(b.free, off, func(s span, off uint64) int { return cmp.Compare(s.off, off) })
	b.free = slices.Insert(b.free, i, span{off, size})
	if i+1 < len(b.free) && b.free[i].off+b.free[i].size == b.free[i+1].off {
		b.free[i].size += b.free[i+1].size
		b.free = slices.Delete(b.free, i+1, i+2)
	}
	if i > 0 && b.free[i-1].off+b.free[i-1].size == b.free[i].off {
		b.free[i-1].size += b.free[i].size
		b.free = slices.Delete(b.free, i, i+1)
	}
}

func (h *heap) newBlock(size uint64) (*block, error) {
	d := h.dev
	if !h.host && size > max(d.limits.maxStorageBufferRange, h.blockSize) {
		return nil, &TooLargeError{Device: d.name, Bytes: size, Max: d.limits.maxStorageBufferRange}
	}
	b := &block{size: size, free: []span{{0, size}}}
	var req C.VkMemoryRequirements
	if err := check("vkCreateBuffer", int32(C.shim_create_buffer(d.fns, d.device, C.VkDeviceSize(size), &b.buf, &req))); err != nil {
		return nil, err
	}
	memType := -1
	for i, flags := range h.types {
		if req.memoryTypeBits&(1<<i) == 0 || flags&h.want != h.want {
			continue
		}
		if memType < 0 || (flags&h.prefer == h.prefer && h.types[memType]&h.prefer != h.prefer) {
			memType = i
		}
	}
	if memType < 0 {
		C.shim_destroy_buffer(d.fns, d.device, b.buf, 0)
		return nil, fmt.Errorf("vk: %s has no memory type with properties %#x for a storage buffer", d.name, h.want)
	}
	mapIt := C.int(0)
	if h.host {
		mapIt = 1
	}
	r := C.shim_bind_memory(d.fns, d.device, b.buf, req.size, C.uint32_t(memType), mapIt, &b.mem, &b.mapped)
	if err := check("vkAllocateMemory", int32(r)); err != nil {
		C.shim_destroy_buffer(d.fns, d.device, b.buf, b.mem)
		return nil, err
	}
	b.memBytes = uint64(req.size)
	h.blocks = append(h.blocks, b)
	return b, nil
}

// allocated is the bytes of VkDeviceMemory behind the heap's blocks. Blocks
// are kept until Close, so this only grows.
func (h *heap) allocated() int64 {
	var n int64
	for _, b := range h.blocks {
		n += int64(b.memBytes)
	}
	return n
}

func (h *heap) release() {
	for _, b := range h.blocks {
		C.shim_destroy_buffer(h.dev.fns, h.dev.device, b.buf, b.mem)
	}
	h.blocks = nil
}

// buffer is a tensor's storage: a range of a block.
type buffer struct {
	blk   *block
	off   uint64 // bytes from the start of the block
	bytes uint64 // the range bound to shaders: exactly n elements (at least one)
	n     int
	dtype tensor.DType
	freed bool
	// lastUse is the serial of the last submission that uses the buffer
	// (record.go): its range is reused only after that one has run.
	lastUse uint64
}

func (b *buffer) Len() int            { return b.n }
func (b *buffer) DType() tensor.DType { return b.dtype }

// Alloc returns device memory for n elements. A failure (out of device
// memory) is remembered and returned by the next Read or Sync; the buffer
// returned then is a placeholder that kernels skip.
//
// Every buffer handed out counts in LiveBuffers and Memory, the placeholder
// too: Memory then says how much the program asked for, which is what an
// out-of-memory report needs, and Free can take it out again like any
// other.
func (d *Device) Alloc(dtype tensor.DType, n int) tensor.Buffer {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dtype != tensor.Float32 && dtype != tensor.Int32 {
		panic(fmt.Sprintf("vk.Alloc: %s cannot hold %v", d.Name(), dtype))
	}
	if d.device == nil {
		panic("vk.Alloc: the device is closed")
	}
	b, err := d.alloc(dtype, n)
	if err != nil {
		d.fail(err)
		b = &buffer{n: n, dtype: dtype}
	}
	d.count(b, +1)
	return b
}

// alloc carves a buffer from the tensor heap; Alloc counts it.
func (d *Device) alloc(dtype tensor.DType, n int) (*buffer, error) {
	bytes := uint64(max(n, 1)) * 4
	blk, off, err := d.heap.alloc(bytes)
	if err != nil {
		return nil, err
	}
	return &buffer{blk: blk, off: off, bytes: bytes, n: n, dtype: dtype}, nil
}

// count adds a tensor buffer to LiveBuffers and Memory (sign +1) or takes
// it out (-1). The bytes are the n elements asked for, not the range bound
// to shaders, which is rounded up to the heap's alignment and holds at least
// one element: that keeps Memory equal to the CPU devices' for the same
// program.
func (d *Device) count(b *buffer, sign int) {
	d.live += sign
	d.liveBytes += int64(sign) * int64(b.n) * int64(b.dtype.Size())
	d.peakBytes = max(d.peakBytes, d.liveBytes)
}

// Memory reports the bytes of the tensor buffers allocated and not yet
// freed, and the most there have been; see tensor.Device. HeapBytes says
// how much device memory holds them.
func (d *Device) Memory() (live, peak int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.liveBytes, d.peakBytes
}

// ResetPeak sets the peak to the bytes live now.
func (d *Device) ResetPeak() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.peakBytes = d.liveBytes
}

// HeapBytes reports the VkDeviceMemory the device has allocated: for
// tensors, the device-local blocks that their buffers are carved from; for
// staging, the host-visible blocks that uploads and reads pass through.
// Blocks are made when no free range is large enough and kept until Close,
// so tensors never falls, and it is at least the peak of Memory (which
// leaves out alignment padding, free ranges and a small buffer of the
// device's own) unless an allocation failed.
func (d *Device) HeapBytes() (tensors, staging int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.heap == nil {
		return 0, 0
	}
	return d.heap.allocated(), d.staging.allocated()
}

// Free returns a buffer's range to its block once the work recorded with it
// has run (Device.release).
func (d *Device) Free(tb tensor.Buffer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := tb.(*buffer)
	if b.freed {
		panic("vk.Free: buffer freed twice")
	}
	b.freed = true
	d.count(b, -1)
	if b.blk != nil {
		d.release(held{d.heap, b.blk, b.off, b.bytes}, b.lastUse)
	}
}
