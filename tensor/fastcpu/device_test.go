package fastcpu

import (
	"testing"

	"github.com/ditgo/ditgo/autograd/optest"
)

// TestOpSuite runs the shared op suite on the fast device against the
// float64 reference, once with each instruction set this CPU can run.
func TestOpSuite(t *testing.T) {
	for _, set := range instructionSets() {
		t.Run(set.name, func(t *testing.T) {
			t.Setenv("DITGO_CPU_KERNEL", set.name)
			optest.Run(t, New(), optest.Options{})
		})
	}
}

// TestInstructionSetChoice checks DITGO_CPU_KERNEL: every instruction set
// this CPU runs can be forced, and an unknown one is refused with a
// message.
func TestInstructionSetChoice(t *testing.T) {
	for _, set := range instructionSets() {
		t.Setenv("DITGO_CPU_KERNEL", set.name)
		if got := New().set; got != set {
			t.Errorf("DITGO_CPU_KERNEL=%s gave instruction set %s", set.name, got.name)
		}
	}
	t.Setenv("DITGO_CPU_KERNEL", "no-such-kernel")
	defer func() {
		if recover() == nil {
			t.Error("New accepted DITGO_CPU_KERNEL=no-such-kernel")
		}
	}()
	New()
}
