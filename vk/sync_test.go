//go:build cgo

package vk

import (
	"os"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Lavapipe runs dispatches one after another, so a missing barrier never
// gives a wrong result in CI: only the validation layer's synchronization
// validation can see it. This test proves that the check is really on: with
// the barriers left out, a chain of dependent kernels must draw hazard
// reports. (Every other Vulkan test then shows that the real barriers leave
// none.)
func TestSyncValidationSeesMissingBarriers(t *testing.T) {
	opts := OptionsFromEnv()
	opts.Validation = true
	dev, err := Open(opts)
	if err != nil {
		if os.Getenv("DITGO_VK_REQUIRE") == "1" {
			t.Fatalf("DITGO_VK_REQUIRE=1 but no Vulkan device with the validation layer: %v", err)
		}
		t.Skipf("skipping: no Vulkan device with the validation layer (%v)", err)
	}
	defer dev.Close()
	dev.noBarriers = true
	before := ValidationMessages()
	x := tensor.Full(dev, 1, 4096)           // a fill, then
	y := tensor.Scale(x, 2)                  // a read of x: read after write
	tensor.BinaryInto(tensor.OpAdd, x, y, y) // x written again after y read it
	if _, err := x.ToHost(); err != nil {
		t.Fatal(err)
	}
	x.Release()
	y.Release()
	if n := ValidationMessages() - before; n == 0 {
		t.Error("with no barriers between dependent kernels, synchronization validation reported nothing: it is not enabled")
	} else {
		t.Logf("synchronization validation reported %d hazards with the barriers left out (printed above, as intended)", n)
	}
}
