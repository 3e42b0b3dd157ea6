// Package vk is the Vulkan device: it implements tensor.Device with the
// hand-written compute shaders of package shaders, run through Vulkan with
// github.com/vulkan-go/vulkan.
//
// Reading order:
//
//	device.go           Open: loader, instance, physical-device choice, queue; Close
//	kind.go, options.go the device kinds Open prefers; the environment variables
//	shim.h, shim.c      the C shim for the calls that vulkan-go cannot make safely
//	                    (its arguments would be freed by a GC finalizer mid-call)
//	errors.go           Error (a failed call and its VkResult), TooLargeError,
//	                    IsOutOfMemory
//	memory.go           device memory: large blocks, sub-allocated; what
//	                    Memory (tensors' bytes) and HeapBytes (blocks) count
//	pipeline.go         one pipeline per shader and variant, created once
//	record.go           recording dispatches into command buffers and submitting them
//	hazard.go           which commands need a barrier before them
//	access.go           which bindings each shader writes, read from its SPIR-V
//	counters.go         what the device did: dispatches, barriers, bytes moved
//	transfer.go         uploads and readbacks through staging memory
//	<kernel>.go         one launcher per shader: push constants, bindings, grid
//	stub.go             the API without cgo, where Open returns ErrNoCgo
//	vktest/             opens a device for the tests of any package
//
// Execution model. Kernels are recorded, not run: each call records a
// dispatch into the current command buffer, after a barrier only where it
// touches memory that a command since the last barrier wrote (or writes
// memory one read). Freed memory is reused only after the submission that
// last used it has run. The buffer is
// submitted when the host reads a tensor, when it holds a few hundred
// dispatches, or at Sync — never once per op. Errors (out of device memory,
// a lost device) are remembered and returned by the next Read or Sync.
//
// Environment variables:
//
//	DITGO_VK_VALIDATION=1   enable VK_LAYER_KHRONOS_validation with its
//	                        synchronization validation (hazards between
//	                        commands that no barrier orders); every message
//	                        it reports is counted (ValidationMessages) and printed
//	DITGO_VK_DEVICE=S       use the physical device whose index or name
//	                        contains S, instead of the automatic choice
//	                        (discrete GPU > integrated GPU > CPU implementation)
//	DITGO_VK_REQUIRE=1      in tests: fail, rather than skip, when no Vulkan
//	                        device exists (CI sets it)
//	DITGO_VK_BARRIERS=all   record a barrier before every command, as before
//	                        the recorder tracked hazards (hazard.go), to
//	                        compare counts and speed
//	DITGO_VK_MATMUL_BLOCK=N the matmul shader's outputs per invocation, 4 or
//	                        8 (tiles of 64×64 or 128×128), instead of the
//	                        choice by kind of device (matmul.go)
//
// Files that use cgo are built only with cgo; without it, Open returns an
// error and callers fall back to the CPU device.
//
// This package imports tensor and shaders.
package vk
