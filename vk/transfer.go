//go:build cgo

package vk

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/ditgo/ditgo/tensor"
)

// Uploads and readbacks go through staging memory that the host can map.
// A discrete GPU's own memory is not visible to the host at all; going
// through staging on every device keeps one path, and it lets an upload be
// recorded in order with the kernels around it instead of waiting for them.

// WriteFloat32 uploads src into dst.
func (d *Device) WriteFloat32(dst tensor.Buffer, src []float32) {
	if len(src) > 0 {
		d.upload(dst, unsafe.Pointer(&src[0]), len(src))
	}
}

// WriteInt32 uploads src into dst.
func (d *Device) WriteInt32(dst tensor.Buffer, src []int32) {
	if len(src) > 0 {
		d.upload(dst, unsafe.Pointer(&src[0]), len(src))
	}
}

// upload copies n 4-byte values from the host into a staging range now, and
// records the copy from staging into the tensor.
func (d *Device) upload(dst tensor.Buffer, src unsafe.Pointer, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := dst.(*buffer)
	if n > b.n {
		panic(fmt.Sprintf("vk: writing %d values into a buffer of %d", n, b.n))
	}
	if b.blk == nil || d.err != nil {
		return
	}
	size := uint64(n) * 4
	blk, off, err := d.staging.alloc(size)
	if err != nil {
		d.fail(err)
		return
	}
	copy(unsafe.Slice((*byte)(unsafe.Add(blk.mapped, off)), size), unsafe.Slice((*byte)(src), size))
	s := d.command(nil, []access{accessOf(b)}, true) // staging copies keep a barrier
	if s == nil {
		d.staging.put(blk, off, size)
		return
	}
	C.shim_copy(d.fns, s.cmd, blk.buf, C.VkDeviceSize(off), b.blk.buf, C.VkDeviceSize(b.off), C.VkDeviceSize(size))
	s.held = append(s.held, held{d.staging, blk, off, size})
	b.lastUse = s.serial
	d.counters.Copies++
	d.counters.UploadBytes += int64(size)
	d.done(s)
}

// ReadFloat32 waits for all recorded work and copies src to dst.
func (d *Device) ReadFloat32(dst []float32, src tensor.Buffer) error {
	if len(dst) == 0 {
		return d.Sync()
	}
	return d.download(unsafe.Pointer(&dst[0]), src, len(dst))
}

// ReadInt32 waits for all recorded work and copies src to dst.
func (d *Device) ReadInt32(dst []int32, src tensor.Buffer) error {
	if len(dst) == 0 {
		return d.Sync()
	}
	return d.download(unsafe.Pointer(&dst[0]), src, len(dst))
}

// download records a copy of the tensor into staging, submits, waits, and
// copies staging to the host. It is the one place that waits for the GPU.
func (d *Device) download(dst unsafe.Pointer, src tensor.Buffer, n int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := src.(*buffer)
	if n > b.n {
		panic(fmt.Sprintf("vk: reading %d values from a buffer of %d", n, b.n))
	}
	if b.blk == nil || d.err != nil {
		d.finish()
		return d.err
	}
	size := uint64(n) * 4
	blk, off, err := d.staging.alloc(size)
	if err != nil {
		d.fail(err)
		return err
	}
	defer d.staging.put(blk, off, size)
	s := d.command([]access{accessOf(b)}, nil, true) // as do host reads
	if s == nil {
		return d.err
	}
	C.shim_copy(d.fns, s.cmd, b.blk.buf, C.VkDeviceSize(b.off), blk.buf, C.VkDeviceSize(off), C.VkDeviceSize(size))
	b.lastUse = s.serial
	d.counters.Copies++
	d.counters.DownloadBytes += int64(size)
	d.done(s)
	d.finish()
	if d.err != nil {
		return d.err
	}
	copy(unsafe.Slice((*byte)(dst), size), unsafe.Slice((*byte)(unsafe.Add(blk.mapped, off)), size))
	return nil
}

// Fill sets the first n values of out to value with vkCmdFillBuffer, which
// writes a 32-bit pattern: the bits of the float.
func (d *Device) Fill(out tensor.Buffer, value float32, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := out.(*buffer)
	if n > b.n {
		panic(fmt.Sprintf("vk: filling %d values of a buffer of %d", n, b.n))
	}
	if n == 0 || b.blk == nil {
		return
	}
	s := d.command(nil, []access{accessOf(b)}, false)
	if s == nil {
		return
	}
	C.shim_fill(d.fns, s.cmd, b.blk.buf, C.VkDeviceSize(b.off), C.VkDeviceSize(n*4), C.uint32_t(math.Float32bits(value)))
	b.lastUse = s.serial
	d.counters.Fills++
	d.done(s)
}
