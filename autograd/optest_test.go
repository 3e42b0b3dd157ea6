package autograd_test

import (
	"testing"

	"github.com/ditgo/ditgo/autograd/optest"
)

// TestGradCheck proves every autograd op's backward rule against float64
// central differences on the CPU reference.
func TestGradCheck(t *testing.T) {
	optest.GradCheck(t, optest.Options{})
}
