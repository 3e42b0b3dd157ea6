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
	// BarrierEveryCommand records a barrier before every command, as the
	// device did before it tracked hazards (hazard.go): for comparisons.
	BarrierEveryCommand bool
}

// OptionsFromEnv reads DITGO_VK_VALIDATION, DITGO_VK_DEVICE and
// DITGO_VK_BARRIERS.
func OptionsFromEnv() Options {
	return Options{
		Validation:          os.Getenv("DITGO_VK_VALIDATION") == "1",
		Device:              os.Getenv("DITGO_VK_DEVICE"),
		BarrierEveryCommand: os.Getenv("DITGO_VK_BARRIERS") == "all",
	}
}
