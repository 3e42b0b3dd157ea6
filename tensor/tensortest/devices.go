package tensortest

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
	"github.com/ditgo/ditgo/vk/vktest"
)

// ForEachDevice runs body as a subtest on every device the engine has, each
// named so that `go test -v` shows which ran:
//
//	cpu-reference  tensor.NewCPU(), the plain loops that are the ground truth
//	cpu-fast       the fast CPU device that `go run ./train` uses
//	vulkan         the Vulkan device (vktest.Open: skipped, saying why, only
//	               where no Vulkan device exists, and a failure then under
//	               DITGO_VK_REQUIRE=1)
//
// Each subtest gets a fresh device.
func ForEachDevice(t *testing.T, body func(t *testing.T, dev tensor.Device)) {
	t.Helper()
	t.Run("cpu-reference", func(t *testing.T) { body(t, tensor.NewCPU()) })
	t.Run("cpu-fast", func(t *testing.T) { body(t, fastcpu.New()) })
	t.Run("vulkan", func(t *testing.T) { body(t, vktest.Open(t)) })
}
