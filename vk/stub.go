//go:build !cgo

package vk

import (
	"errors"

	"github.com/ditgo/ditgo/tensor"
)

// Device is the Vulkan device. Without cgo it cannot be opened.
type Device struct{ tensor.Device }

// ErrNoCgo is what Open returns in a build without cgo.
var ErrNoCgo = errors.New("vk: this binary was built without cgo (CGO_ENABLED=0), so Vulkan is unavailable; rebuild with cgo and a C compiler, or use the CPU device")

// Open always fails without cgo.
func Open(Options) (*Device, error) { return nil, ErrNoCgo }

// Close does nothing.
func (d *Device) Close() error { return nil }

// ValidationMessages is always 0 without cgo.
func ValidationMessages() int { return 0 }

// Stats is always zero without cgo.
func (d *Device) Stats() (commands, submissions int) { return 0, 0 }

// Kind is OtherKind without cgo (a Device cannot be opened).
func (d *Device) Kind() Kind { return OtherKind }

// HeapBytes is always zero without cgo.
func (d *Device) HeapBytes() (tensors, staging int64) { return 0, 0 }

// Counters are always zero without cgo.
func (d *Device) Counters() Counters { return Counters{} }
