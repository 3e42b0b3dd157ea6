package fastcpu

import (
	"runtime"

	"github.com/ditgo/ditgo/tensor"
)

// smallProduct is the M·N·K below which a product runs tensor.MatMulRef:
// below it, the reference loop is as fast as packing (measured: 4×4×4
// takes about 0.5 µs either way, 8×8×8 2.5 µs in MatMulRef and 0.8 µs in
// gemm).
const smallProduct = 128

// MatMul runs the blocked, packed GEMM (gemm.go) on every core, with the
// bias and Accumulate in its epilogue, and BF16 products on the instruction
// set's kernel for them (gemm_bf16.go); only products with M·N·K below
// smallProduct, and K = 0, run the reference loop. A GELU epilogue
// (tensor.Epilogue) runs this device's Unary or UnaryBackward kernel over
// the product's result: on the CPU the result is still in cache when the
// pass starts, so a fused loop would save little.
func (d *Device) MatMul(out, a, b, bias, aux tensor.Buffer, args tensor.MatMulArgs) {
	n := args.Batch * args.M * args.N
	switch ep := args.Epilogue; ep {
	case tensor.EpilogueGELU:
		args.Epilogue = tensor.EpilogueNone
		d.MatMul(aux, a, b, bias, nil, args)
		d.Unary(tensor.OpGELU, out, aux, n)
		return
	case tensor.EpilogueGELUGrad:
		args.Epilogue = tensor.EpilogueNone
		d.MatMul(out, a, b, bias, nil, args)
		d.UnaryBackward(tensor.OpGELU, out, out, aux, aux, n)
		return
	}
	o, x, y, z := d.Floats(out), d.Floats(a), d.Floats(b), d.Floats(bias)
	if args.M*args.N*args.K < d.small {
		tensor.MatMulRef(o, x, y, z, nil, args)
		return
	}
	gemm(d.set.matmulKernel(args.Round), &d.scratch, o, x, y, z, args, runtime.GOMAXPROCS(0))
}

// matmul runs one product on the fast GEMM, or the reference loop when it
// is too small to be worth packing: the products of Attention, on slices
// of its buffers.
func (d *Device) matmul(out, a, b []float32, args tensor.MatMulArgs) {
	if args.M*args.N*args.K*args.Batch < d.small {
		tensor.MatMulRef(out, a, b, nil, nil, args)
		return
	}
	gemm(d.set.matmulKernel(args.Round), &d.scratch, out, a, b, nil, args, runtime.GOMAXPROCS(0))
}
