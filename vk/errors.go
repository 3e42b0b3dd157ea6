package vk

import "fmt"

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
