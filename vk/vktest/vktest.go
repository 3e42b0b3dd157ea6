// Package vktest opens a Vulkan device for tests of any package.
package vktest

import (
	"os"
	"testing"

	"github.com/ditgo/ditgo/vk"
)

// Open returns a Vulkan device for a test. Without one the test is skipped
// with the reason, unless DITGO_VK_REQUIRE=1 (set in CI), where that is a
// failure. When the test ends it closes the device and fails the test if
// the validation layer reported anything or a buffer leaked.
func Open(t testing.TB) *vk.Device {
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
