//go:build cgo

package vk

import (
	"fmt"

	"github.com/ditgo/ditgo/tensor"
)

// matmulPush mirrors MatMulPush in shaders/matmul.comp.
type matmulPush struct{ batch, M, N, K uint32 }

// matmulTile is the output tile one workgroup computes (64×64, 16×16
// invocations of 4×4 each; see matmul.comp).
const matmulTile = 64

// MatMul records out = op(A)·op(B) (+ bias) (+ out) (matmul.comp; reference
// tensor.MatMulRef). The transposes, the bias, accumulation and the
// rounding of mixed precision (bfloat16 or float16) are specialization
// constants, so each combination is its own
// pipeline with no branches in the inner loop, and the float32 pipelines
// hold no trace of the rounding.
func (d *Device) MatMul(out, a, b, bias tensor.Buffer, args tensor.MatMulArgs) {
	tiles := func(n int) int { return (n + matmulTile - 1) / matmulTile }
	if tiles(args.N) > 65535 || tiles(args.M) > 65535 {
		d.mu.Lock()
		d.fail(fmt.Errorf("vk: matmul of %d×%d is too large for one dispatch", args.M, args.N))
		d.mu.Unlock()
		return
	}
	// Specialization constants 0…4 of matmul.comp.
	spec := []uint32{b2u(args.TransA), b2u(args.TransB), b2u(bias != nil), b2u(args.Accumulate), uint32(args.Round)}
	push := matmulPush{batch: u32(args.Batch), M: u32(args.M), N: u32(args.N), K: u32(args.K)}
	grid := [3]uint32{u32(tiles(args.N)), u32(tiles(args.M)), u32(min(args.Batch, 65535))}
	dispatch(d, "matmul", spec, &push, grid, 2*float64(args.Batch*args.M*args.N*args.K), out, a, b, bias)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
