//go:build cgo

package vk

/*
#include "shim.h"
*/
import "C"

import (
	"slices"
	"unsafe"

	"github.com/ditgo/ditgo/tensor"
)

// How much work one command buffer holds before it is submitted without
// waiting, and how many submissions may be in flight before the host waits
// for the oldest. A training step of a small DiT is a few hundred dispatches,
// so it goes to the GPU in one or two submissions.
const (
	commandsPerSubmission = 512
	maxInFlight           = 3
)

// submission is one command buffer and what must live until it has run: its
// fence, the descriptor pool its sets came from, and the memory its
// commands use that was given back meanwhile (staging ranges, freed
// tensors). Submissions are numbered in order (serial), and they complete
// in that order.
type submission struct {
	cmd      C.VkCommandBuffer
	fence    C.VkFence
	pool     C.VkDescriptorPool
	serial   uint64
	commands int
	held     []held
}

// held is a range of a heap that goes back to it when its submission has
// run.
type held struct {
	heap      *heap
	blk       *block
	off, size uint64
}

func (h held) put() { h.heap.put(h.blk, h.off, h.size) }

// recording returns the submission being recorded, starting one if needed.
func (d *Device) recording() *submission {
	if d.cur != nil {
		return d.cur
	}
	var s *submission
	if n := len(d.spare); n > 0 {
		s, d.spare = d.spare[n-1], d.spare[:n-1]
	} else {
		s = &submission{}
		err := check("vkAllocateCommandBuffers", int32(C.shim_allocate_command_buffer(d.fns, d.device, d.cmdPool, &s.cmd)))
		if err == nil {
			err = check("vkCreateFence", int32(C.shim_create_fence(d.fns, d.device, &s.fence)))
		}
		if err == nil {
			err = check("vkCreateDescriptorPool", int32(C.shim_create_descriptor_pool(d.fns, d.device,
				commandsPerSubmission, commandsPerSubmission*maxBindings, &s.pool)))
		}
		if err != nil {
			d.fail(err)
			return nil
		}
	}
	if err := check("vkBeginCommandBuffer", int32(C.shim_begin(d.fns, s.cmd))); err != nil {
		d.fail(err)
		s.destroy(d)
		return nil
	}
	d.serial++
	s.serial = d.serial
	d.cur = s
	return s
}

// command starts recording one command that reads and writes the given
// memory: it returns the submission to record into, after a barrier if the
// command conflicts with a command since the last one (hazard.go), or
// always when always is set. It returns nil when the device has failed.
func (d *Device) command(reads, writes []access, always bool) *submission {
	if d.err != nil {
		return nil
	}
	s := d.recording()
	if s == nil {
		return nil
	}
	if always || d.allBarriers || d.pending.conflicts(reads, writes) {
		if !d.noBarriers {
			C.shim_barrier(d.fns, s.cmd)
			d.counters.Barriers++
		}
		d.pending.clear()
	}
	d.pending.add(reads, writes)
	return s
}

// done counts a recorded command and submits the buffer when it is full.
func (d *Device) done(s *submission) {
	s.commands++
	d.recorded++
	if s.commands >= commandsPerSubmission {
		d.flush()
	}
}

// dispatch records one kernel: shader variant spec, push constants, a grid
// of workgroups, the floating-point operations it does (for the counters'
// roofline; an estimate for all but the products), and bufs bound to
// bindings 0, 1, … in order. A nil buffer (an absent optional input) binds
// a small placeholder. The counters take the kernel's memory traffic to be
// every bound buffer once; a kernel that reads some data more often says
// so with dispatchMoving.
func dispatch[P any](d *Device, shader string, spec []uint32, push *P, grid [3]uint32, flops float64, bufs ...tensor.Buffer) {
	dispatchMoving(d, shader, spec, push, grid, flops, 0, bufs...)
}

// dispatchMoving is dispatch for a kernel that moves the given bytes of
// device memory, by the count of its own loads and stores (0: every bound
// buffer once).
func dispatchMoving[P any](d *Device, shader string, spec []uint32, push *P, grid [3]uint32, flops, moved float64, bufs ...tensor.Buffer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if grid[0] == 0 || grid[1] == 0 || grid[2] == 0 {
		return // nothing to compute
	}
	for _, b := range bufs {
		if b != nil && b.(*buffer).blk == nil {
			return // a placeholder from a failed Alloc: d.err is set
		}
	}
	if d.err != nil {
		return
	}
	pipe, written, err := d.pipeline(shader, spec)
	if err != nil {
		d.fail(err)
		return
	}
	bound := make([]*buffer, len(bufs))
	var reads, writes []access
	for i, tb := range bufs {
		bound[i] = d.dummy
		if tb != nil {
			bound[i] = tb.(*buffer)
		}
		if written&(1<<i) != 0 {
			writes = append(writes, accessOf(bound[i]))
		} else {
			reads = append(reads, accessOf(bound[i]))
		}
	}
	s := d.command(reads, writes, false)
	if s == nil {
		return
	}
	var set C.VkDescriptorSet
	if err := check("vkAllocateDescriptorSets", int32(C.shim_allocate_descriptor_set(d.fns, d.device, s.pool, d.setLayout, &set))); err != nil {
		d.fail(err)
		return
	}
	var handles [maxBindings]C.VkBuffer
	var offsets, ranges [maxBindings]C.VkDeviceSize
	for i, b := range bound {
		handles[i], offsets[i], ranges[i] = b.blk.buf, C.VkDeviceSize(b.off), C.VkDeviceSize(b.bytes)
		b.lastUse = s.serial
	}
	C.shim_write_descriptor_set(d.fns, d.device, set, C.uint32_t(len(bufs)), &handles[0], &offsets[0], &ranges[0])
	C.shim_dispatch(d.fns, s.cmd, pipe, d.layout, set, unsafe.Pointer(push), C.uint32_t(unsafe.Sizeof(*push)),
		C.uint32_t(grid[0]), C.uint32_t(grid[1]), C.uint32_t(grid[2]))
	d.counters.Dispatches++
	if moved == 0 {
		for i, b := range bound {
			if b != d.dummy && !slices.Contains(bound[:i], b) { // a buffer bound twice is moved once
				moved += float64(b.n * b.dtype.Size())
			}
		}
	}
	d.counters.kernel(shader, flops, moved)
	d.done(s)
}

// grid1D is the dispatch of a grid-stride kernel over n items with
// workgroups of size wg: enough groups to give each item its own invocation,
// up to the 65535 that every device allows.
func grid1D(n, wg int) [3]uint32 {
	groups := (n + wg - 1) / wg
	return [3]uint32{uint32(min(groups, 65535)), 1, 1}
}

// flush submits the recorded commands without waiting for them.
func (d *Device) flush() {
	s := d.cur
	if s == nil {
		return
	}
	d.cur = nil
	err := check("vkEndCommandBuffer", int32(C.shim_end(d.fns, s.cmd)))
	if err == nil {
		err = check("vkQueueSubmit", int32(C.shim_submit(d.fns, d.queue, s.cmd, s.fence)))
	}
	if err != nil {
		d.fail(err)
		for _, h := range s.held {
			h.put()
		}
		s.destroy(d)
		return
	}
	d.submitted++
	d.counters.Submissions++
	d.inflight = append(d.inflight, s)
	if len(d.inflight) > maxInFlight {
		d.wait(1)
	}
}

// finish submits what is recorded and waits for all of it. Nothing is
// then left for a later command to conflict with.
func (d *Device) finish() {
	d.flush()
	d.wait(len(d.inflight))
	if d.err == nil {
		d.pending.clear()
	}
}

// wait blocks until the oldest n submissions have run, then recycles them.
func (d *Device) wait(n int) {
	for _, s := range d.inflight[:n] {
		err := check("vkWaitForFences", int32(C.shim_wait(d.fns, d.device, s.fence)))
		if err == nil {
			err = check("vkResetFences/vkResetCommandBuffer/vkResetDescriptorPool", int32(C.shim_reset(d.fns, d.device, s.fence, s.cmd, s.pool)))
		}
		for _, h := range s.held {
			h.put()
		}
		s.held, s.commands = s.held[:0], 0
		d.completed = s.serial
		if err != nil {
			d.fail(err)
			s.destroy(d)
			continue
		}
		d.spare = append(d.spare, s)
	}
	d.inflight = d.inflight[n:]
}

// destroy frees a submission's Vulkan objects (its command buffer goes with
// the command pool).
func (s *submission) destroy(d *Device) {
	if s.fence != 0 {
		C.shim_destroy_fence(d.fns, d.device, s.fence)
	}
	if s.pool != 0 {
		C.shim_destroy_descriptor_pool(d.fns, d.device, s.pool)
	}
	s.fence, s.pool = 0, 0
}

// Stats counts the commands (dispatches, copies, fills) recorded and the
// command buffers submitted so far: how well work is batched.
func (d *Device) Stats() (commands, submissions int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.recorded, d.submitted
}

// release gives a range of h back once no recorded command can still use
// it: at once if the last submission to use it (lastUse) has run, or else
// when that submission's fence is waited on. Reusing it earlier would be
// correct too — the conflict would draw a barrier — but it would order
// unrelated kernels after each other.
func (d *Device) release(h held, lastUse uint64) {
	if lastUse > d.completed {
		if d.cur != nil && d.cur.serial == lastUse {
			d.cur.held = append(d.cur.held, h)
			return
		}
		for _, s := range d.inflight {
			if s.serial == lastUse {
				s.held = append(s.held, h)
				return
			}
		}
	}
	h.put()
}

// Counters reads the device's counters.
func (d *Device) Counters() Counters {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.counters
	c.Kernels = map[string]KernelCounts{}
	for name, k := range d.counters.Kernels {
		c.Kernels[name] = k
	}
	return c
}

// kernel adds a dispatch of shader, with its FLOPs and the bytes of the
// buffers bound to it, to the counters.
func (c *Counters) kernel(shader string, flops, bytes float64) {
	if c.Kernels == nil {
		c.Kernels = map[string]KernelCounts{}
	}
	k := c.Kernels[shader]
	k.Dispatches++
	k.FLOPs += flops
	k.Bytes += bytes
	c.Kernels[shader] = k
}
