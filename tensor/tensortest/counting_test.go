package tensortest

import (
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// Counting counts kernels, not allocations, and reports the wrapped
// device's buffers and memory.
func TestCountingForwardsMemory(t *testing.T) {
	base := tensor.NewCPU()
	dev := NewCounting(base)
	x := tensor.Zeros(dev, 3, 4) // 48 bytes, one Fill
	y := tensor.Scale(x, 2)      // 48 bytes, one Scale
	x.Release()
	if live, peak := dev.Memory(); live != 48 || peak != 96 {
		t.Errorf("Memory() = (%d, %d), want (48, 96)", live, peak)
	}
	if dev.LiveBuffers() != 1 {
		t.Errorf("LiveBuffers() = %d, want 1", dev.LiveBuffers())
	}
	dev.ResetPeak()
	if _, peak := base.Memory(); peak != 48 {
		t.Errorf("after ResetPeak through Counting, the wrapped device's peak is %d, want 48", peak)
	}
	y.Release()
	if got := dev.String(); got != "2 kernels: Fill 1, Scale 1" {
		t.Errorf("counted %q, want only the two kernels", got)
	}
}
