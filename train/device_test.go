package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/vk"
)

// An out-of-memory failure is recognised by its type, however it is
// wrapped, and gets the advice; other failures, whatever their text, do
// not.
func TestMemoryHint(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("step 3: %w", &vk.Error{Call: "vkAllocateMemory", Result: -2}),
		&vk.TooLargeError{Device: "llvmpipe", Bytes: 5 << 30, Max: 2 << 30},
	} {
		if h := memoryHint(err); !strings.Contains(h, "-batch") {
			t.Errorf("memoryHint(%v) = %q, want advice on -batch", err, h)
		}
	}
	for _, err := range []error{
		&vk.Error{Call: "vkQueueSubmit", Result: -4}, // device lost
		errors.New("VK_ERROR_OUT_OF_DEVICE_MEMORY"),  // only the words
	} {
		if h := memoryHint(err); h != "" {
			t.Errorf("memoryHint(%v) = %q, want none", err, h)
		}
	}
}

// -device auto passes over a CPU driver such as lavapipe: the fast CPU
// device is quicker. Where the only Vulkan device is one, auto says so.
func TestAutoDevicePassesOverCPUDrivers(t *testing.T) {
	dev, why, closeDev, err := openDevice("auto")
	if err != nil {
		t.Fatal(err)
	}
	defer closeDev()
	t.Log(why)
	if len(why) > 110 {
		t.Errorf("the device line has %d characters, want it short: %q", len(why), why)
	}
	v, err := vk.Open(vk.OptionsFromEnv())
	if err != nil {
		if _, isVK := dev.(*vk.Device); isVK {
			t.Errorf("auto chose a Vulkan device although vk.Open fails: %v", err)
		}
		return
	}
	kind := v.Kind()
	v.Close()
	_, isVK := dev.(*vk.Device)
	if kind == vk.CPUDriver && (isVK || !strings.Contains(why, "CPU driver")) {
		t.Errorf("the only Vulkan device is a CPU driver, but auto chose %s (%s)", dev.Name(), why)
	}
	if kind != vk.CPUDriver && !isVK {
		t.Errorf("a Vulkan %v exists, but auto chose %s", kind, dev.Name())
	}
}
