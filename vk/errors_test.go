package vk

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Out-of-memory is recognised by type, through any wrapping, and nothing
// else is mistaken for it.
func TestIsOutOfMemory(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&Error{Call: "vkAllocateMemory", Result: -2}, true}, // VK_ERROR_OUT_OF_DEVICE_MEMORY
		{&Error{Call: "vkAllocateMemory", Result: -1}, true}, // VK_ERROR_OUT_OF_HOST_MEMORY
		{fmt.Errorf("step 3: %w", &Error{Call: "vkQueueSubmit", Result: -2}), true},
		{&TooLargeError{Device: "llvmpipe", Bytes: 3 << 30, Max: 2 << 30}, true},
		{fmt.Errorf("forward: %w", &TooLargeError{Device: "x", Bytes: 1, Max: 0}), true},
		{&Error{Call: "vkQueueSubmit", Result: -4}, false},   // VK_ERROR_DEVICE_LOST
		{errors.New("VK_ERROR_OUT_OF_DEVICE_MEMORY"), false}, // a string is not the type
		{io.EOF, false},
		{nil, false},
	}
	for _, c := range cases {
		if got := IsOutOfMemory(c.err); got != c.want {
			t.Errorf("IsOutOfMemory(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	msg := (&TooLargeError{Device: "NVIDIA H100", Bytes: 5 << 30, Max: 4 << 30}).Error()
	for _, want := range []string{"5120 MiB", "NVIDIA H100", "4096 MiB", "smaller batch"} {
		if !strings.Contains(msg, want) {
			t.Errorf("TooLargeError says %q, which lacks %q", msg, want)
		}
	}
}

// Kinds order as Open prefers them and print as the driver's words.
func TestKind(t *testing.T) {
	order := []Kind{DiscreteGPU, IntegratedGPU, VirtualGPU, CPUDriver, OtherKind}
	for i := 1; i < len(order); i++ {
		if !(order[i-1] < order[i]) {
			t.Errorf("%v should be preferred to %v", order[i-1], order[i])
		}
	}
	if s := CPUDriver.String(); s != "CPU implementation" {
		t.Errorf("CPUDriver prints as %q", s)
	}
}
