//go:build cgo

package vk

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// matmulPush mirrors MatMulPush in shaders/matmul.comp.
type matmulPush struct{ batch, M, N, K uint32 }

// matmulBlock is the BLOCK of matmul.comp for a device: each of a
// workgroup's 16×16 invocations computes BLOCK×BLOCK outputs, so a
// workgroup's tile is 16·BLOCK on a side. Discrete GPUs take 8 (128×128
// tiles, 16.6 KiB of shared memory); CPU drivers and integrated GPUs 4
// (64×64). DITGO_VK_MATMUL_BLOCK (Options.MatMulBlock) overrides it, so that
// the tests run both on lavapipe.
func matmulBlock(kind Kind, opts Options) int {
	switch {
	case opts.MatMulBlock != 0:
		return opts.MatMulBlock
	case kind == DiscreteGPU:
		return 8
	}
	return 4
}

// MatMul records out = op(A)·op(B) (+ bias) (+ out) (matmul.comp; reference
// tensor.MatMulRef). The transposes, the bias, accumulation and the
// rounding of mixed precision (bfloat16 or float16) are specialization
// constants, so each combination is its own
// pipeline with no branches in the inner loop, and the float32 pipelines
// hold no trace of the rounding.
func (d *Device) MatMul(out, a, b, bias, aux tensor.Buffer, args tensor.MatMulArgs) {
	tile := 16 * d.matmulBlock
	tiles := func(n int) int { return (n + tile - 1) / tile }
	if tiles(args.N) > 65535 || tiles(args.M) > 65535 {
		d.mu.Lock()
		d.fail(fmt.Errorf("vk: matmul of %d×%d is too large for one dispatch", args.M, args.N))
		d.mu.Unlock()
		return
	}
	// Vector loads (VEC) for an operand whose stored rows are whole vec4s:
	// A's rows are K long (M when transposed), B's N (K when transposed).
	// Every buffer starts at a multiple of 64 bytes (memory.go).
	var vec uint32
	if rowA := map[bool]int{false: args.K, true: args.M}[args.TransA]; rowA%4 == 0 {
		vec |= 1
	}
	if rowB := map[bool]int{false: args.N, true: args.K}[args.TransB]; rowB%4 == 0 {
		vec |= 2
	}
	// Specialization constants 0…7 of matmul.comp.
	spec := []uint32{b2u(args.TransA), b2u(args.TransB), b2u(bias != nil), b2u(args.Accumulate), uint32(args.Round), u32(d.matmulBlock), uint32(args.Epilogue), vec}
	push := matmulPush{batch: u32(args.Batch), M: u32(args.M), N: u32(args.N), K: u32(args.K)}
	grid := [3]uint32{u32(tiles(args.N)), u32(tiles(args.M)), u32(min(args.Batch, 65535))}
	// Bindings 4 and 5 of matmul.comp: aux where the epilogue writes it or
	// reads it, and otherwise out or the placeholder, which it never touches.
	auxOut, auxIn := out, tensor.Buffer(nil)
	switch args.Epilogue {
	case tensor.EpilogueGELU:
		auxOut = aux
	case tensor.EpilogueGELUGrad:
		auxIn = aux
	}
	dispatch(d, "matmul", spec, &push, grid, 2*float64(args.Batch*args.M*args.N*args.K), out, a, b, bias, auxOut, auxIn)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
