//go:build cgo

package vk

import (
	"os"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// openHere opens a device for the tests inside this package, which cannot
// use vktest (it imports this package). Like vktest it skips, saying why,
// where no Vulkan device exists. The test closes the device.
func openHere(t *testing.T) *Device {
	t.Helper()
	dev, err := Open(OptionsFromEnv())
	if err != nil {
		if os.Getenv("DITGO_VK_REQUIRE") == "1" {
			t.Fatalf("DITGO_VK_REQUIRE=1 but no Vulkan device: %v", err)
		}
		t.Skipf("skipping: no Vulkan device (%v)", err)
	}
	return dev
}

// Memory counts the bytes tensors asked for; HeapBytes the blocks they are
// carved from. A small buffer fits in the block made at Open, a buffer
// larger than a block gets a block of its own, and blocks stay until Close.
// Reading to the host makes a staging block.
func TestHeapBytes(t *testing.T) {
	d := openHere(t)
	defer func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	}()
	tensors0, staging0 := d.HeapBytes()
	if tensors0 < int64(d.heap.blockSize) {
		t.Fatalf("a new device has %d bytes of tensor blocks, want at least the block made for its own buffer (%d)", tensors0, d.heap.blockSize)
	}
	small := d.Alloc(tensor.Float32, 3)
	if live, _ := d.Memory(); live != 12 {
		t.Errorf("one buffer of 3 floats: Memory live = %d, want 12", live)
	}
	if tensors, _ := d.HeapBytes(); tensors != tensors0 {
		t.Errorf("a small buffer grew the tensor blocks from %d to %d bytes; it should fit in the first", tensors0, tensors)
	}

	n := int(d.heap.blockSize/4) + 1 // one float more than a block holds
	large := d.Alloc(tensor.Float32, n)
	if live, peak := d.Memory(); live != 12+int64(n)*4 || peak != live {
		t.Errorf("with a %d-float buffer: Memory() = (%d, %d), want both %d", n, live, peak, 12+int64(n)*4)
	}
	tensors1, _ := d.HeapBytes()
	if tensors1 < tensors0+int64(n)*4 {
		t.Errorf("a buffer larger than a block grew the tensor blocks from %d to %d bytes, want at least %d more", tensors0, tensors1, n*4)
	}
	d.Free(large)
	if tensors, _ := d.HeapBytes(); tensors != tensors1 {
		t.Errorf("Free changed the tensor blocks from %d to %d bytes; blocks are kept until Close", tensors1, tensors)
	}

	if err := d.ReadFloat32(make([]float32, 3), small); err != nil {
		t.Fatal(err)
	}
	if _, staging := d.HeapBytes(); staging <= staging0 {
		t.Errorf("a read left the staging blocks at %d bytes (from %d); it needs one", staging, staging0)
	}
	d.Free(small)
	if live, _ := d.Memory(); live != 0 {
		t.Errorf("after freeing everything: Memory live = %d, want 0", live)
	}
}

// A buffer that cannot be allocated still counts in Memory, so that the
// error can be read beside how much the program asked for; Free takes it
// out like any other.
func TestMemoryCountsFailedAlloc(t *testing.T) {
	d := openHere(t)
	tensors0, _ := d.HeapBytes()
	const n = 1 << 31 // 8 GiB of floats: more than any storage buffer range (a uint32)
	b := d.Alloc(tensor.Float32, n)
	if live, _ := d.Memory(); live != n*4 {
		t.Errorf("after a failed Alloc of %d floats: Memory live = %d, want %d", n, live, int64(n)*4)
	}
	if tensors, _ := d.HeapBytes(); tensors != tensors0 {
		t.Errorf("a failed Alloc changed the tensor blocks from %d to %d bytes", tensors0, tensors)
	}
	if err := d.Sync(); !IsOutOfMemory(err) {
		t.Errorf("Sync after a failed Alloc returned %v, want an out-of-memory error", err)
	}
	d.Free(b)
	if live, peak := d.Memory(); live != 0 || peak != n*4 {
		t.Errorf("after Free: Memory() = (%d, %d), want (0, %d)", live, peak, int64(n)*4)
	}
	if err := d.Close(); !IsOutOfMemory(err) {
		t.Errorf("Close returned %v, want the out-of-memory error", err)
	}
}
