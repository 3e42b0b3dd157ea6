package main

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
	"github.com/ditgo/ditgo/vk"
)

// openDevice picks where the run computes and says why in one line:
//
//	cpu     the CPU device;
//	vulkan  a Vulkan device, whatever kind (a GPU, or lavapipe for tests);
//	auto    a Vulkan GPU if there is one, else the CPU device — Mesa's
//	        lavapipe is a CPU driver meant for tests and is slower than the
//	        CPU device, so auto passes it over.
//
// The returned function releases the device.
func openDevice(choice string) (tensor.Device, string, func() error, error) {
	cpu := func(why string) (tensor.Device, string, func() error, error) {
		dev := fastcpu.New()
		return dev, "device: " + dev.Name() + why, func() error { return nil }, nil
	}
	switch choice {
	case "cpu":
		return cpu("")
	case "vulkan", "auto":
		dev, err := vk.Open(vk.OptionsFromEnv())
		if err != nil {
			if choice == "vulkan" {
				return nil, "", nil, fmt.Errorf("-device vulkan: %w", err)
			}
			return cpu("; no Vulkan GPU (-device vulkan says why)")
		}
		if choice == "auto" && dev.Kind() == vk.CPUDriver {
			dev.Close()
			return cpu("; passed over Vulkan's CPU driver (-device vulkan uses it)")
		}
		return dev, "device: " + dev.Name(), dev.Close, nil
	}
	return nil, "", nil, checkDevice(choice)
}

// checkDevice reports a -device value that openDevice does not know.
func checkDevice(choice string) error {
	if choice != "auto" && choice != "cpu" && choice != "vulkan" {
		return fmt.Errorf("-device %q: must be auto, cpu or vulkan", choice)
	}
	return nil
}
