package vk_test

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/ditgo/ditgo/autograd/optest"
	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/vk"
)

// open returns a Vulkan device for a test. Without one the test is skipped,
// with the reason, unless DITGO_VK_REQUIRE=1 (set in CI), where that is a
// failure. When the test ends it checks that the validation layer reported
// nothing and that Close found no leaked buffer.
func open(t *testing.T) *vk.Device {
	t.Helper()
	dev, err := vk.Open(vk.OptionsFromEnv())
	if err != nil {
		if os.Getenv("DITGO_VK_REQUIRE") == "1" {
			t.Fatalf("DITGO_VK_REQUIRE=1 but no Vulkan device: %v", err)
		}
		t.Skipf("skipping: no Vulkan device (%v)", err)
	}
	before := vk.ValidationMessages()
	t.Cleanup(func() {
		if err := dev.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if n := vk.ValidationMessages() - before; n != 0 {
			t.Errorf("the validation layer reported %d messages (printed above)", n)
		}
	})
	t.Logf("device: %s", dev.Name())
	return dev
}

// vkSizes are the default op-suite sizes plus the edges of the shaders'
// workgroups (64, 256) and of the matmul tile (64) from both sides.
var vkSizes = append(append([]int{}, optest.DefaultSizes...), 127, 128, 129, 255, 256, 257)

// TestOpSuite runs the shared op suite on the Vulkan device: every autograd
// op's values and gradients and every other kernel, against the float64 CPU
// reference.
func TestOpSuite(t *testing.T) {
	dev := open(t)
	optest.Run(t, dev, optest.Options{Sizes: vkSizes, MaxHeadDim: 128})
}

// TestGCStress runs the op suite with the garbage collector running as often
// as it can: GOGC=1 and a goroutine forcing collections. vulkan-go's
// slice-taking wrappers crash under this (their C copies are freed by a
// finalizer mid-call); the engine must not, because those calls go through
// the C shim.
func TestGCStress(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the GC stress run in -short mode")
	}
	dev := open(t)
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			runtime.GC()
		}
	}()
	optest.Run(t, dev, optest.Options{Random: 1, Seed: 7})
	stop.Store(true)
	<-done
}

// Recording is lazy: a chain of kernels is one submission, made when the
// host reads the result.
func TestKernelsAreRecordedNotRun(t *testing.T) {
	dev := open(t)
	x := tensor.Full(dev, 1, 1000)
	before := dev.Submissions()
	y := x
	for range 50 {
		z := tensor.Add(y, x)
		if y != x {
			y.Release()
		}
		y = z
	}
	if n := dev.Submissions() - before; n != 0 {
		t.Fatalf("%d submissions before any read, want 0", n)
	}
	got := y.Data()
	if n := dev.Submissions() - before; n != 1 {
		t.Errorf("%d submissions for 51 kernels and one read, want 1", n)
	}
	if got[0] != 51 || got[999] != 51 {
		t.Errorf("got %v … %v, want 51", got[0], got[999])
	}
	x.Release()
	y.Release()
}

// Close reports a leaked buffer; after the leak is released it is clean.
func TestLiveBuffers(t *testing.T) {
	dev := open(t)
	if n := dev.LiveBuffers(); n != 0 {
		t.Fatalf("a new device has %d live buffers, want 0", n)
	}
	a := tensor.Zeros(dev, 3)
	if n := dev.LiveBuffers(); n != 1 {
		t.Fatalf("%d live buffers after one allocation, want 1", n)
	}
	a.Release()
	if n := dev.LiveBuffers(); n != 0 {
		t.Fatalf("%d live buffers after Release, want 0", n)
	}
}
