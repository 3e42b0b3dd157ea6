package fastcpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/tensor"
)

// gemmCase is one product to cross-check against the float64 reference.
type gemmCase struct {
	batch, m, n, k   int
	transA, transB   bool
	bias, accumulate bool
	round            tensor.Rounding // MatMulArgs.Round
	name             string
}

func (c gemmCase) String() string {
	return fmt.Sprintf("%sbatch%d_M%d_N%d_K%d_tA%v_tB%v_bias%v_acc%v_round%v", c.name, c.batch, c.m, c.n, c.k, c.transA, c.transB, c.bias, c.accumulate, c.round)
}

func (c gemmCase) args() tensor.MatMulArgs {
	return tensor.MatMulArgs{Batch: c.batch, M: c.m, N: c.n, K: c.k, TransA: c.transA, TransB: c.transB, Accumulate: c.accumulate, Round: c.round}
}

// gemmCases are the shapes around every cutoff of kernel k: the tile (mr,
// nr), the blocks (mc, kc, nc), 1, odd sizes and K = 0 (out is the bias).
// Each size is varied with the other two held at small odd values, in
// every combination of transposes, bias and Accumulate; then two block
// edges at once, short products whose rows of tiles are shared out in
// parts, and batches.
func gemmCases(k *gemmKernel) []gemmCase {
	around := func(xs ...int) []int {
		var out []int
		for _, x := range xs {
			for _, v := range []int{x - 1, x, x + 1} {
				if v >= 1 && !slices.Contains(out, v) {
					out = append(out, v)
				}
			}
		}
		return out
	}
	var shapes [][3]int
	for _, m := range append(around(1, k.mr, k.mc), 2*k.mc+k.mr+3, 5) {
		shapes = append(shapes, [3]int{m, 37, 29})
	}
	for _, n := range append(around(1, k.nr, k.nc), 2*k.nr+3) {
		shapes = append(shapes, [3]int{13, n, 29})
	}
	for _, kk := range append(around(1, k.kc), 2*k.kc+7) {
		shapes = append(shapes, [3]int{13, 37, kk})
	}
	shapes = append(shapes, [3]int{k.mr + 1, k.nr - 1, k.kc + 1}, [3]int{1, 1, 1}, [3]int{5, 7, 0})

	var cases []gemmCase
	for _, s := range shapes {
		for _, f := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} {
			cases = append(cases, gemmCase{batch: 1, m: s[0], n: s[1], k: s[2],
				transA: f&1 != 0, transB: f&2 != 0, bias: f&4 != 0, accumulate: f&8 != 0})
		}
	}
	// Two block edges at once, and batches split by product and by tile.
	for _, tr := range []bool{false, true} {
		cases = append(cases,
			gemmCase{batch: 1, m: k.mc + 1, n: 2*k.nr + 3, k: k.kc + 1, transA: tr, transB: !tr, bias: true, name: "blocks_"},
			gemmCase{batch: 1, m: 2*k.mr + 1, n: k.nc + 1, k: k.kc + 1, transA: tr, transB: tr, accumulate: true, name: "blocks_"},
			gemmCase{batch: 1, m: k.mc - 1, n: k.nc - 1, k: 7, transA: !tr, transB: tr, bias: true, accumulate: true, name: "blocks_"},
			gemmCase{batch: 5, m: k.mr + 1, n: k.nr + 1, k: k.kc + 1, transA: tr, transB: tr, bias: true, name: "batch_by_product_"},
			gemmCase{batch: 4, m: 2*k.mr - 1, n: 33, k: 70, transA: !tr, transB: tr, accumulate: true, name: "batch_by_product_"},
			gemmCase{batch: 3, m: 200, n: 65, k: 1000, transA: tr, transB: !tr, bias: true, accumulate: true, name: "batch_by_tile_"},
		)
	}
	return cases
}

// TestGemmMatchesReference cross-checks Device.MatMul against the float64
// reference for the micro-kernel of every instruction set this CPU can run,
// at the sizes around each kernel's tile and block edges.
func TestGemmMatchesReference(t *testing.T) {
	for _, set := range instructionSets() {
		t.Run(set.name, func(t *testing.T) {
			dev := newDevice(set, 0) // no small-product cutoff: every case runs gemm
			for _, c := range gemmCases(&set.gemm) {
				checkGemm(t, dev, c)
			}
		})
	}
}

// checkGemm runs c on dev and on tensor.MatMulRef in float64. Each element may
// differ by 1e-6·√K of the sum of the magnitudes of its terms (products,
// bias and old value), the float32 rounding of a K-term sum; with BF16, by
// bf16Tolerance (gemm_bf16_test.go). Without Accumulate the output starts
// as NaN, so an element the kernel fails to overwrite shows up.
func checkGemm(t *testing.T, dev *Device, c gemmCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(c.m*1000003+c.n*1009+c.k), uint64(c.batch)))
	random := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.Float64()*2 - 1)
		}
		return x
	}
	a, b := random(c.batch*c.m*c.k), random(c.batch*c.k*c.n)
	var bias []float32
	if c.bias {
		bias = random(c.n)
	}
	out := random(c.batch * c.m * c.n)
	if !c.accumulate {
		for i := range out {
			out[i] = float32(math.NaN())
		}
	}
	args := c.args()

	// The reference in float64. With BF16 it is MatMulRef's rounding of
	// each operand done once up front, rather than once per product.
	refA, refB, refArgs := f64(a), f64(b), args
	if c.round != tensor.RoundNone {
		for _, x := range [][]float64{refA, refB} {
			for i, v := range x {
				x[i] = float64(c.round.Round(float32(v)))
			}
		}
		refArgs.Round = tensor.RoundNone
	}
	want, scale := f64(out), f64(out)
	tensor.MatMulRef(want, refA, refB, f64(bias), nil, refArgs)
	abs := func(x []float64) []float64 {
		for i, v := range x {
			x[i] = math.Abs(v)
		}
		return x
	}
	if !c.accumulate {
		clear(scale)
	}
	tensor.MatMulRef(abs(scale), abs(refA), abs(refB), abs(f64(bias)), nil, refArgs)

	got := dev.Alloc(tensor.Float32, len(out))
	bufA, bufB := dev.Alloc(tensor.Float32, len(a)), dev.Alloc(tensor.Float32, len(b))
	defer func() { dev.Free(got); dev.Free(bufA); dev.Free(bufB) }()
	var bufBias tensor.Buffer
	if bias != nil {
		bufBias = dev.Alloc(tensor.Float32, len(bias))
		defer dev.Free(bufBias)
		dev.WriteFloat32(bufBias, bias)
	}
	dev.WriteFloat32(got, out)
	dev.WriteFloat32(bufA, a)
	dev.WriteFloat32(bufB, b)
	dev.MatMul(got, bufA, bufB, bufBias, nil, args)
	res := make([]float32, len(out))
	if err := dev.ReadFloat32(res, got); err != nil {
		t.Fatal(err)
	}
	tol := 1e-6 * math.Sqrt(float64(max(c.k, 1)))
	if c.round != tensor.RoundNone {
		tol = bf16Tolerance(c.k) // float16 products are exact in float32 too
	}
	bad := 0
	for i := range res {
		if d := math.Abs(float64(res[i]) - want[i]); !(d <= tol*scale[i]+1e-30) {
			if bad++; bad <= 3 {
				n, row, col := i/(c.m*c.n), i/c.n%c.m, i%c.n
				t.Errorf("%v: out[%d,%d,%d] = %v, want %v (diff %.3g, tolerance %.3g)", c, n, row, col, res[i], want[i], d, tol*scale[i])
			}
		}
	}
	if bad > 3 {
		t.Errorf("%v: %d of %d elements wrong", c, bad, len(res))
	}
}

func f64(x []float32) []float64 {
	if x == nil {
		return nil
	}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// TestGemmDeterministic checks that the split over goroutines does not
// change a single bit: every element is summed in the same order whatever
// the number of workers, whether they share rows of tiles, parts of rows
// or whole products, with float32 and with BF16 operands.
func TestGemmDeterministic(t *testing.T) {
	for _, set := range instructionSets() {
		k := &set.gemm
		t.Run(set.name, func(t *testing.T) {
			shapes := []tensor.MatMulArgs{
				{Batch: 1, M: k.mc + 2*k.mr + 1, N: 2*k.nr + 5, K: k.kc + 3},                            // rows of tiles, two row blocks
				{Batch: 1, M: 2*k.mr + 1, N: k.nc + 3*k.nr + 9, K: k.kc + 3, TransB: true},              // few rows: parts of rows
				{Batch: 6, M: k.mr + 3, N: k.nr + 3, K: 2*k.kc + 1, TransA: true},                       // whole products
				{Batch: 1, M: 2*k.mr + 1, N: k.nc + 3*k.nr + 9, K: k.kc + 3, Round: tensor.RoundToBF16}, // bfloat16 (gemm_bf16.go)
				{Batch: 1, M: 2*k.mr + 1, N: k.nc + 3*k.nr + 9, K: k.kc + 3, Round: tensor.RoundToFP16}, // float16 (gemm_fp16.go)
			}
			for _, p := range shapes {
				r := rand.New(rand.NewPCG(1, 2))
				a, b, bias := make([]float32, p.Batch*p.M*p.K), make([]float32, p.Batch*p.K*p.N), make([]float32, p.N)
				for _, x := range [][]float32{a, b, bias} {
					for i := range x {
						x[i] = float32(r.NormFloat64())
					}
				}
				var first []float32
				for _, workers := range []int{1, 2, 3, 4, 7} {
					out := make([]float32, p.Batch*p.M*p.N)
					gemm(set.matmulKernel(p.Round), new(gemmScratchCache), out, a, b, bias, p, workers)
					if first == nil {
						first = out
					} else if !slices.Equal(out, first) {
						t.Errorf("%+v: %d workers give a different result than 1", p, workers)
					}
				}
			}
		})
	}
}

// TestGemmAllocs checks that the packing buffers are reused: a steady
// stream of matmuls, split over goroutines or by product, allocates at most
// the few words of starting goroutines (one object per call with Go 1.26).
func TestGemmAllocs(t *testing.T) {
	dev := New()
	const m, n, k, batch = 200, 300, 400, 8
	out, a, b, bias := dev.Alloc(tensor.Float32, m*n), dev.Alloc(tensor.Float32, m*k), dev.Alloc(tensor.Float32, batch*k*n), dev.Alloc(tensor.Float32, n)
	for _, args := range []tensor.MatMulArgs{
		{Batch: 1, M: m, N: n, K: k, TransB: true},
		{Batch: batch, M: m / batch, N: n, K: k, Accumulate: true},
	} {
		allocs := testing.AllocsPerRun(20, func() { dev.MatMul(out, a, b, bias, nil, args) })
		if allocs > 3 {
			t.Errorf("Device.MatMul %+v: %v allocations per call, want ≤ 3", args, allocs)
		}
	}
}

// TestGemmInPlace checks that reading slivers and panels where the
// operands are stored (gemmKernel.tileS) gives the same bits as packing
// them, at sizes around the tile and block edges (full slivers and panels
// read in place beside short, packed last ones, several kc blocks, several
// row and column blocks), in every layout, with bias and Accumulate, on
// one and on two goroutines. TransB's panels are always packed.
func TestGemmInPlace(t *testing.T) {
	for _, set := range instructionSets() {
		k := set.gemm
		if k.tileS == nil {
			continue
		}
		packed := k
		packed.tileS = nil
		t.Run(set.name, func(t *testing.T) {
			var shapes []tensor.MatMulArgs
			for f := range 4 {
				tA, tB := f&1 != 0, f&2 != 0
				shapes = append(shapes,
					tensor.MatMulArgs{Batch: 1, M: k.mr, N: k.nr, K: 1, TransA: tA, TransB: tB},
					tensor.MatMulArgs{Batch: 1, M: 3*k.mr + 5, N: 2*k.nr + 3, K: k.kc + 5, TransA: tA, TransB: tB, Accumulate: true},
					tensor.MatMulArgs{Batch: 1, M: k.mc + k.mr + 1, N: k.nr + 7, K: 2*k.kc + 3, TransA: tA, TransB: tB},
					tensor.MatMulArgs{Batch: 1, M: 2 * k.mr, N: k.nc + 3*k.nr + 9, K: 37, TransA: tA, TransB: tB},
					tensor.MatMulArgs{Batch: 3, M: 4*k.mr - 1, N: 70, K: 250, TransA: tA, TransB: tB, Accumulate: true},
				)
			}
			for _, p := range shapes {
				r := rand.New(rand.NewPCG(3, uint64(p.M)))
				a, b, bias := make([]float32, p.Batch*p.M*p.K), make([]float32, p.Batch*p.K*p.N), make([]float32, p.N)
				old := make([]float32, p.Batch*p.M*p.N)
				for _, x := range [][]float32{a, b, bias, old} {
					for i := range x {
						x[i] = float32(r.NormFloat64())
					}
				}
				for _, workers := range []int{1, 2} {
					want, got := slices.Clone(old), slices.Clone(old)
					gemm(&packed, new(gemmScratchCache), want, a, b, bias, p, workers)
					gemm(&k, new(gemmScratchCache), got, a, b, bias, p, workers)
					if !slices.Equal(got, want) {
						t.Errorf("%+v, %d workers: operands read in place differ from packed ones", p, workers)
					}
				}
			}
		})
	}
}

// The micro-kernels that find the rows of B through a table give the
// packed kernel's bits: tileI on rows in scattered order, at several
// depths, with and without bias and load, and edgeI its first edgeRows
// rows in the same way, writing nothing past them.
func TestTableDrivenKernels(t *testing.T) {
	ran := false
	for _, set := range instructionSets() {
		k := set.gemm
		if k.tileI == nil {
			continue
		}
		ran = true
		t.Run(set.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(9, 10))
			const ld = 101 // floats from one stored row of B to the next
			for _, kc := range []int{1, 2, 3, 17, 384} {
				a, rowsB := make([]float32, k.mr*kc), make([]float32, (kc+5)*ld)
				bias, old := make([]float32, k.nr), make([]float32, k.mr*k.nr)
				for _, x := range [][]float32{a, rowsB, bias, old} {
					for i := range x {
						x[i] = float32(r.NormFloat64())
					}
				}
				// Step p reads stored row perm[p], from column 3 on.
				offs, packed := make([]int, kc), make([]float32, kc*k.nr)
				for p, row := range r.Perm(kc + 5)[:kc] {
					offs[p] = row*ld + 3
					copy(packed[p*k.nr:(p+1)*k.nr], rowsB[offs[p]:])
				}
				maxOff := slices.Max(offs)
				// Each kernel (tileI; edgeI for its rows) with and
				// without bias and load, against the packed kernel; rows
				// past the kernel's stay as they were.
				for _, withBias := range []bool{false, true} {
					for _, load := range []bool{false, true} {
						var bs []float32
						if withBias {
							bs = bias
						}
						want := slices.Clone(old)
						k.tile(kc, a, packed, want, k.nr, bs, load)
						got := slices.Clone(old)
						k.tileI(kc, a, 1, k.mr, rowsB, offs, maxOff, got, k.nr, bs, load)
						if !slices.Equal(got, want) {
							t.Errorf("tileI, kc %d, bias %v, load %v: rows found through the table differ from packed ones", kc, withBias, load)
						}
						if k.edgeI == nil {
							continue
						}
						rows := k.edgeRows * k.nr
						got = slices.Clone(old)
						for i := range got[rows:] {
							got[rows+i] = 7
						}
						k.edgeI(kc, a, 1, k.mr, rowsB, offs, maxOff, got, k.nr, bs, load)
						if !slices.Equal(got[:rows], want[:rows]) {
							t.Errorf("edgeI, kc %d, bias %v, load %v: the edge kernel's rows differ from the packed kernel's", kc, withBias, load)
						}
						for _, v := range got[rows:] {
							if v != 7 {
								t.Fatalf("edgeI, kc %d: the edge kernel wrote past its %d rows", kc, k.edgeRows)
							}
						}
					}
				}
			}
		})
	}
	if !ran {
		t.Skip("no instruction set of this CPU has a table-driven kernel (tileI)")
	}
}
