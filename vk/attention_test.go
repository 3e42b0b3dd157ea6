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

// TestAttentionTiles runs flash attention, forward and backward, at the
// lengths around its tiles (1, 63, 64, 65 against BR = 64, and 1024 and
// 4096 for many tiles and lavapipe's loop budget) and at head dimensions
// 32, 64, 72, 128 and 512 (the VAE's; up to 1024 tokens), against the fast
// CPU device (which the op suite holds
// to the float64 reference). Each result must match to 1e-4 of its largest
// element; the bfloat16 mode, at the shorter lengths, to its rounding
// (1/256).
func TestAttentionTiles(t *testing.T) {
	dev := open(t)
	cpu := fastcpu.New()
	r := rand.New(rand.NewPCG(19, 3))
	type shape struct{ b, h, t, dh int }
	var shapes []shape
	for _, T := range []int{1, 63, 64, 65, 1024, 4096} {
		for _, dh := range []int{32, 64, 72, 128, 512} {
			b, h := 2, 3
			if T >= 1024 {
				b, h = 1, 1
			}
			if dh == 512 && T == 4096 {
				continue // past lavapipe's loop budget (TestAttentionLoopBudget)
			}
			shapes = append(shapes, shape{b, h, T, dh})
		}
	}
	for _, s := range shapes {
		for _, bf16 := range []bool{false, true} {
			if bf16 && s.t > 1024 {
				continue // the bfloat16 rounding is the same at every length
			}
			name := fmt.Sprintf("B%d_H%d_T%d_Dh%d", s.b, s.h, s.t, s.dh)
			tol := 1e-4
			if bf16 {
				name += "/bf16"
				tol = 1.0 / 256
			}
			t.Run(name, func(t *testing.T) {
				n := 3 * s.b * s.h * s.t * s.dh
				qkv, dout := make([]float32, n), make([]float32, n/3)
				for i := range qkv {
					qkv[i] = float32(r.NormFloat64())
				}
				for i := range dout {
					dout[i] = float32(r.NormFloat64())
				}
				run := func(d tensor.Device) [][]float32 {
					x := tensor.FromSlice(d, qkv, 3, s.b, s.h, s.t, s.dh)
					g := tensor.FromSlice(d, dout, s.b, s.h, s.t, s.dh)
					scale := float32(1 / math.Sqrt(float64(s.dh)))
					attend, back := tensor.Attention, tensor.AttentionBackward
					if bf16 {
						attend, back = tensor.AttentionBF16, tensor.AttentionBackwardBF16
					}
					out, lse := attend(x, scale)
					dqkv := back(g, x, out, lse, scale)
					var res [][]float32
					for _, y := range []*tensor.Tensor{out, lse, dqkv} {
						v, err := y.ToHost()
						if err != nil {
							t.Fatal(err)
						}
						res = append(res, v)
					}
					for _, y := range []*tensor.Tensor{x, g, out, lse, dqkv} {
						y.Release()
					}
					return res
				}
				got, want := run(dev), run(cpu)
				for k, what := range []string{"out", "lse", "dqkv"} {
					var top float64
					for _, w := range want[k] {
						top = max(top, math.Abs(float64(w)))
					}
					for i := range want[k] {
						if e := math.Abs(float64(got[k][i] - want[k][i])); !(e <= tol*top) {
							t.Fatalf("%s[%d] = %g, want %g (error %.3g > %.3g of the largest, %.3g)", what, i, got[k][i], want[k][i], e/top, tol, top)
						}
					}
				}
			})
		}
	}
}

// On a CPU driver, attention whose loops would run past lavapipe's budget
// (4096 tokens with heads of 512) is refused with an error that says so,
// rather than run to a silently wrong result.
func TestAttentionLoopBudget(t *testing.T) {
	open(t) // skips, or fails under DITGO_VK_REQUIRE, without a device
	// A device of its own: the error stays with it, and Close returns it.
	dev, err := vk.Open(vk.OptionsFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dev.Name(), "CPU") {
		dev.Close()
		t.Skipf("%s is not a CPU driver: it has no loop budget", dev.Name())
	}
	x := tensor.Zeros(dev, 3, 1, 1, 4096, 512)
	out, lse := tensor.Attention(x, 1)
	if _, err := out.ToHost(); err == nil || !strings.Contains(err.Error(), "loop iterations") {
		t.Errorf("attention over 4096 tokens of 512: %v, want the loop-budget error", err)
	}
	for _, y := range []*tensor.Tensor{x, out, lse} {
		y.Release()
	}
	if err := dev.Close(); err == nil || !strings.Contains(err.Error(), "loop iterations") {
		t.Errorf("Close: %v, want the loop-budget error again", err)
	}
}
