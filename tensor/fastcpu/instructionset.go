package fastcpu

import "github.com/ditgo/ditgo/tensor"

// instructionSet is the fast device's kernels for one instruction set of
// the CPU (AVX-512, AVX2 + FMA, or plain Go): the GEMM micro-kernel with its
// block sizes, and the vector loops of the other kernels. The device picks
// one set when it starts (New), so DITGO_CPU_KERNEL=generic gives the Go
// loops everywhere.
//
// Each vector loop, if not nil, replaces part of a Go loop that sits in the
// file of its kernel and computes the same arithmetic; where it is nil,
// the Go loop does all the work.
type instructionSet struct {
	name string     // what DITGO_CPU_KERNEL calls it: "avx512", "avx512bf16", "avx2", "generic"
	gemm gemmKernel // the matmul's micro-kernel and blocks (gemm_kernel.go)
	// gemmBF16, if not nil, is the micro-kernel of BF16 products; where it
	// is nil they run on gemm, with the operands rounded to bfloat16 as
	// they are packed (gemm_bf16.go).
	gemmBF16 *gemmKernel

	// gelu and geluBackward are tanh-GELU and its gradient (unary.go) for
	// Unary and UnaryBackward; they take a multiple of lanes elements.
	gelu         func(out, x []float32)
	geluBackward func(dx, dy, x []float32)
	// silu and siluBackward are the same for SiLU, the U-Net's activation
	// (nil: the Go loop).
	silu         func(out, x []float32)
	siluBackward func(dx, dy, x []float32)
	lanes        int
	// softmaxRow and softmaxGradRow are the attention row loops of the
	// same names (attention.go), for rows of any length ≥ 1 and a
	// scale > 0.
	softmaxRow     func(row []float32, scale float32) (lse float32)
	softmaxGradRow func(p, ds []float32, scale, lse float32)
	// sumColumns adds rows rows of x, stride floats apart, into acc in
	// float64 (Sum's inner loop, reduce.go), for as many leading columns
	// as it handles, and returns that count; the caller does the rest.
	sumColumns func(acc []float64, x []float32, rows, stride int) (done int)
	// adamW is tensor.AdamWRef for float32 (optim.go) on as many leading
	// elements as it handles (it returns that count), bit for bit, with
	// c = tensor.AdamWConsts.
	adamW func(p, g, m, v []float32, c *[8]float64) (done int)
	// binaryRows, if not nil, holds the row loops of Binary (binaryRow in
	// elementwise.go) for add, sub and mul, in that order: each does the
	// leading values of out it can, bit for bit the Go loop, and returns
	// their count.
	binaryRows *[3]func(out, a, b []float32) int
	// groupNorm, if not nil, is the vector loops of GroupNorm and its
	// backward (groupnorm.go).
	groupNorm *groupNormLoops
	// convRows, if not nil, is copyRows (conv_gather.go) for n ≤ 32 lanes;
	// with it, the stride-1 convolutions gather wide rows (convGeom.widen).
	convRows func(dst, src []float32, offs []int, n, ldd int)
	// convRowsAdd, if not nil, is copyRowsAdd (conv_gather.go) for n ≤ 32
	// lanes.
	convRowsAdd func(dst, src []float32, offs []int, n, ldd int, add float32)
	// modulateRow, if not nil, is LayerNormModulate's row with shift and
	// scale (o = (x − mu)·rs·(1 + sc) + sh, layernorm.go) on as many
	// leading floats as it handles, bit for bit; it returns their count.
	modulateRow func(o, xr, sh, sc []float32, mu, rs float32) (done int)
	// modulatedRowGrad, if not nil, is modulatedRowGrad (layernorm.go) on
	// as many leading floats of the row as it handles, bit for bit; it
	// returns their count.
	modulatedRowGrad func(o, ds, dc, g, xr, sc []float32, mu, rs, gMean, gxMean float32) (done int)
	// padRows, if not nil, is padRows (conv_gather.go) for rows of
	// ldd ≤ 48 floats: the stride-1 convolution's padded planes.
	padRows func(dst, src []float32, ldd, lds, lo, n int)
}

// genericSet is plain Go: the fallback on every architecture. Its 4×4
// micro-kernel, gemmTileGo, is the contract that the assembly kernels
// follow; it has no vector loops.
var genericSet = &instructionSet{
	name: "generic",
	gemm: gemmKernel{
		mr: 4, nr: 4,
		kc: 256, mc: 1024, nc: 512,
		tile:     gemmTileGo,
		packBF16: roundBF16Block,
	},
}

// matmulKernel is the micro-kernel that runs a product of rounding r.
func (s *instructionSet) matmulKernel(r tensor.Rounding) *gemmKernel {
	if r == tensor.RoundToBF16 && s.gemmBF16 != nil {
		return s.gemmBF16
	}
	return &s.gemm
}
