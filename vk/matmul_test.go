package vk_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
	"github.com/ditgo/ditgo/vk"
)

// The matmul shader with each block size a device may get — 4 (64×64
// tiles, the CPU drivers' and the op suite's) and 8 (128×128, discrete
// GPUs') — against the fast CPU device, at sizes either side of both tile
// edges, with every transpose, a bias, accumulation and mixed precision.
func TestMatMulBlocks(t *testing.T) {
	cpu := fastcpu.New()
	for _, block := range []string{"4", "8"} {
		t.Run("block"+block, func(t *testing.T) {
			t.Setenv("DITGO_VK_MATMUL_BLOCK", block)
			dev := open(t)
			r := rand.New(rand.NewPCG(8, 8))
			sizes := []int{1, 4, 63, 64, 65, 127, 128, 132, 200} // the multiples of 4 take the vector loads
			for c := range 24 {
				args := tensor.MatMulArgs{Batch: 1 + c%2, M: sizes[r.IntN(len(sizes))], N: sizes[r.IntN(len(sizes))], K: sizes[r.IntN(len(sizes))],
					TransA: c&1 != 0, TransB: c&2 != 0, Accumulate: c%5 == 0, Round: tensor.Rounding(c % 3)}
				bias := c%4 == 1
				t.Run(fmt.Sprintf("%+v_bias%v", args, bias), func(t *testing.T) {
					a := randomSlice(r, args.Batch*args.M*args.K)
					b := randomSlice(r, args.Batch*args.K*args.N)
					c0 := randomSlice(r, args.Batch*args.M*args.N)
					bs := randomSlice(r, args.N)
					run := func(d tensor.Device) []float32 {
						buf := func(x []float32) tensor.Buffer {
							out := d.Alloc(tensor.Float32, len(x))
							d.WriteFloat32(out, x)
							return out
						}
						ba, bb, bc := buf(a), buf(b), buf(c0)
						var bb2 tensor.Buffer
						if bias {
							bb2 = buf(bs)
						}
						d.MatMul(bc, ba, bb, bb2, nil, args)
						res := make([]float32, len(c0))
						if err := d.ReadFloat32(res, bc); err != nil {
							t.Fatal(err)
						}
						for _, x := range []tensor.Buffer{ba, bb, bc, bb2} {
							if x != nil {
								d.Free(x)
							}
						}
						return res
					}
					got, want := run(dev), run(cpu)
					for i := range want {
						tol := 1e-5 * math.Sqrt(float64(args.K)) * (1 + math.Abs(float64(want[i])))
						if e := math.Abs(float64(got[i] - want[i])); !(e <= tol) {
							t.Fatalf("out[%d] = %g, want %g", i, got[i], want[i])
						}
					}
				})
			}
		})
	}
	t.Setenv("DITGO_VK_MATMUL_BLOCK", "5")
	if _, err := vk.Open(vk.OptionsFromEnv()); err == nil || !strings.Contains(err.Error(), "want 4 or 8") {
		t.Errorf("DITGO_VK_MATMUL_BLOCK=5: %v, want an error that asks for 4 or 8", err)
	}
}

func randomSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}
