package vk

import "os"

// Options choose how a device is opened.
type Options struct {
	// Validation enables VK_LAYER_KHRONOS_validation, with synchronization
	// validation.
	Validation bool
	// Device picks a physical device by index ("0") or by a part of its
	// name ("llvmpipe", "H100"); empty means the automatic choice.
	Device string
}

// OptionsFromEnv reads DITGO_VK_VALIDATION and DITGO_VK_DEVICE.
func OptionsFromEnv() Options {
	return Options{
		Validation: os.Getenv("DITGO_VK_VALIDATION") == "1",
		Device:     os.Getenv("DITGO_VK_DEVICE"),
	}
}
