package vk

import (
	"errors"
	"fmt"
)

// Error is a failed Vulkan call: the call's name and the VkResult it
// returned.
type Error struct {
	Call   string
	Result int32
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("vulkan: %s failed: %s", e.Call, resultName(e.Result))
	switch e.Result {
	case -2: // VK_ERROR_OUT_OF_DEVICE_MEMORY
		msg += " (the GPU is out of memory: use a smaller batch or model)"
	case -1: // VK_ERROR_OUT_OF_HOST_MEMORY
		msg += " (the machine is out of memory)"
	case -4: // VK_ERROR_DEVICE_LOST
		msg += " (the GPU was lost: a driver reset or a kernel that ran too long)"
	case -6, -7: // VK_ERROR_LAYER_NOT_PRESENT, VK_ERROR_EXTENSION_NOT_PRESENT
		msg += " (for validation install the Khronos layers: apt-get install vulkan-validationlayers)"
	case -9: // VK_ERROR_INCOMPATIBLE_DRIVER
		msg += " (no Vulkan driver: install one, e.g. apt-get install mesa-vulkan-drivers)"
	}
	return msg
}

// OutOfMemory reports whether the call failed for lack of GPU or host
// memory.
func (e *Error) OutOfMemory() bool { return e.Result == -2 || e.Result == -1 }

// TooLargeError is a tensor bigger than the device's largest storage
// buffer (maxStorageBufferRange): a limit of the device rather than of its
// free memory, with the same remedy.
type TooLargeError struct {
	Device     string
	Bytes, Max uint64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("vk: a tensor of %d MiB exceeds %s's largest storage buffer (%d MiB); use a smaller batch or model",
		e.Bytes>>20, e.Device, e.Max>>20)
}

// IsOutOfMemory reports whether err, or an error it wraps, says that the
// work did not fit the device: an *Error for out-of-memory, or a
// *TooLargeError. A caller can then suggest a smaller batch or model.
func IsOutOfMemory(err error) bool {
	var ve *Error
	var tl *TooLargeError
	return (errors.As(err, &ve) && ve.OutOfMemory()) || errors.As(err, &tl)
}

// resultName spells out a VkResult, from the specification's list.
func resultName(r int32) string {
	names := map[int32]string{
		0:           "VK_SUCCESS",
		1:           "VK_NOT_READY",
		2:           "VK_TIMEOUT",
		-1:          "VK_ERROR_OUT_OF_HOST_MEMORY",
		-2:          "VK_ERROR_OUT_OF_DEVICE_MEMORY",
		-3:          "VK_ERROR_INITIALIZATION_FAILED",
		-4:          "VK_ERROR_DEVICE_LOST",
		-5:          "VK_ERROR_MEMORY_MAP_FAILED",
		-6:          "VK_ERROR_LAYER_NOT_PRESENT",
		-7:          "VK_ERROR_EXTENSION_NOT_PRESENT",
		-8:          "VK_ERROR_FEATURE_NOT_PRESENT",
		-9:          "VK_ERROR_INCOMPATIBLE_DRIVER",
		-10:         "VK_ERROR_TOO_MANY_OBJECTS",
		-12:         "VK_ERROR_FRAGMENTED_POOL",
		-13:         "VK_ERROR_UNKNOWN",
		-1000069000: "VK_ERROR_OUT_OF_POOL_MEMORY",
	}
	if n, ok := names[r]; ok {
		return n
	}
	return fmt.Sprintf("VkResult(%d)", r)
}

// check turns a VkResult into an *Error naming the call, or nil.
func check(call string, r int32) error {
	if r == 0 {
		return nil
	}
	return &Error{Call: call, Result: r}
}
