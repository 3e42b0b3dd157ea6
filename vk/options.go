package vk

import (
	"fmt"
	"os"
)

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
	// MatMulBlock sets the outputs per invocation of the matmul shader, 4
	// or 8 (tiles of 64×64 or 128×128); 0 picks by the kind of device.
	MatMulBlock int
}

// OptionsFromEnv reads DITGO_VK_VALIDATION, DITGO_VK_DEVICE,
// DITGO_VK_BARRIERS and DITGO_VK_MATMUL_BLOCK (4 or 8; anything else is
// left to Open to refuse).
func OptionsFromEnv() Options {
	o := Options{
		Validation:          os.Getenv("DITGO_VK_VALIDATION") == "1",
		Device:              os.Getenv("DITGO_VK_DEVICE"),
		BarrierEveryCommand: os.Getenv("DITGO_VK_BARRIERS") == "all",
	}
	if s := os.Getenv("DITGO_VK_MATMUL_BLOCK"); s != "" {
		o.MatMulBlock = -1 // not a number: refused by Open
		fmt.Sscan(s, &o.MatMulBlock)
	}
	return o
}
