package fastcpu_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// A long group far from zero, of a VAE's size (65536 values per group),
// with mean 100 and standard deviation about 0.7. A float32 sum of
// that many values may be off by up to n·2⁻²⁴ relative, which here is half
// a standard deviation; the fast device sums its statistics in float32
// blocks added in float64 and must agree with the float64 reference to
// float32 rounding, forward and backward.
func TestGroupNormLongGroup(t *testing.T) {
	const b, c, h, w, groups = 2, 16, 64, 64, 1
	n := b * c * h * w
	x, dout := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = float64(float32(100 + math.Sin(0.37*float64(i))))
		dout[i] = float64(float32(math.Cos(0.11 * float64(i))))
	}
	param := func(n int, phase float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(float32(0.5 * math.Sin(phase+float64(i))))
		}
		return v
	}
	gamma, beta, shift, scale := param(c, 1), param(c, 2), param(b*c, 3), param(b*c, 4)
	run := func(dev tensor.Device) [][]float64 {
		xt, dt := tensor.FromFloat64(dev, x, b, c, h, w), tensor.FromFloat64(dev, dout, b, c, h, w)
		gt, bt := tensor.FromFloat64(dev, gamma, c), tensor.FromFloat64(dev, beta, c)
		sht, sct := tensor.FromFloat64(dev, shift, b, c), tensor.FromFloat64(dev, scale, b, c)
		out, mean, rstd := tensor.GroupNorm(xt, gt, bt, sht, sct, groups, tensor.GroupNormEps)
		dx, dgamma, dbeta, dshift, dscale := tensor.GroupNormBackward(dt, xt, gt, bt, sct, mean, rstd, groups, true)
		var res [][]float64
		for _, r := range []*tensor.Tensor{out, mean, rstd, dx, dgamma, dbeta, dshift, dscale} {
			v, err := r.Float64s()
			if err != nil {
				t.Fatal(err)
			}
			res = append(res, v)
		}
		return res
	}
	want, got := run(tensor.NewCPU64()), run(fastcpu.New())
	for k, name := range []string{"out", "mean", "rstd", "dx", "dgamma", "dbeta", "dshift", "dscale"} {
		var rms float64
		for _, v := range want[k] {
			rms += v * v
		}
		rms = math.Sqrt(rms / float64(len(want[k])))
		for i := range want[k] {
			if e := math.Abs(got[k][i]-want[k][i]) / (math.Abs(want[k][i]) + rms); e > 2e-5 {
				t.Errorf("%s[%d] = %.8g, want %.8g (relative error %.2g)", name, i, got[k][i], want[k][i], e)
				break
			}
		}
	}
}

// BenchmarkGroupNorm times the fused group norm forward and backward (with
// every gradient, modulation included), and with SiLU fused ("silu") or
// apart ("silu-apart": GroupNorm and Unary, UnaryBackward and
// GroupNormBackward), at a U-Net shape: batch 32, 128 channels of 16×16
// in 32 groups. GB/s counts the bytes that must move: x and out forward;
// dout, x and dx backward.
func BenchmarkGroupNorm(b *testing.B) {
	const nB, nC, nH, nW, groups = 32, 128, 16, 16, 32
	n := nB * nC * nH * nW
	for _, dev := range []tensor.Device{fastcpu.New(), tensor.NewCPU()} {
		x, dout := tensor.Full(dev, 0.5, nB, nC, nH, nW), tensor.Full(dev, 1, nB, nC, nH, nW)
		gamma, beta := tensor.Full(dev, 1.5, nC), tensor.Full(dev, 0.1, nC)
		shift, scale := tensor.Full(dev, 0.1, nB, nC), tensor.Full(dev, 0.2, nB, nC)
		out, mean, rstd := tensor.GroupNorm(x, gamma, beta, shift, scale, groups, tensor.GroupNormEps)
		dx, dgamma, dbeta, dshift, dscale := tensor.GroupNormBackward(dout, x, gamma, beta, scale, mean, rstd, groups, true)
		for _, silu := range []bool{false, true} {
			args := tensor.GroupNormArgs{B: nB, C: nC, HW: nH * nW, Groups: groups, Eps: tensor.GroupNormEps, SiLU: silu}
			name := fmt.Sprintf("B=%d_C=%d_%dx%d_G=%d/%s", nB, nC, nH, nW, groups, deviceLabel(dev))
			if silu {
				name = "silu/" + name
			}
			b.Run("forward/"+name, func(b *testing.B) {
				for b.Loop() {
					dev.GroupNorm(out.Buffer(), mean.Buffer(), rstd.Buffer(), x.Buffer(), gamma.Buffer(), beta.Buffer(), shift.Buffer(), scale.Buffer(), args)
				}
				b.ReportMetric(8*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
			b.Run("backward/"+name, func(b *testing.B) {
				for b.Loop() {
					dev.GroupNormBackward(dx.Buffer(), dgamma.Buffer(), dbeta.Buffer(), dshift.Buffer(), dscale.Buffer(),
						dout.Buffer(), x.Buffer(), gamma.Buffer(), beta.Buffer(), shift.Buffer(), scale.Buffer(), mean.Buffer(), rstd.Buffer(), args)
				}
				b.ReportMetric(12*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
		// The same pair apart: GroupNorm, then SiLU (Unary) into out;
		// SiLU's backward (UnaryBackward) into dh, then GroupNorm's.
		norm, dh := tensor.Zeros(dev, nB, nC, nH, nW), tensor.Zeros(dev, nB, nC, nH, nW)
		args := tensor.GroupNormArgs{B: nB, C: nC, HW: nH * nW, Groups: groups, Eps: tensor.GroupNormEps}
		name := fmt.Sprintf("B=%d_C=%d_%dx%d_G=%d/%s", nB, nC, nH, nW, groups, deviceLabel(dev))
		b.Run("forward/silu-apart/"+name, func(b *testing.B) {
			for b.Loop() {
				dev.GroupNorm(norm.Buffer(), mean.Buffer(), rstd.Buffer(), x.Buffer(), gamma.Buffer(), beta.Buffer(), shift.Buffer(), scale.Buffer(), args)
				dev.Unary(tensor.OpSiLU, out.Buffer(), norm.Buffer(), n)
			}
			b.ReportMetric(8*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
		b.Run("backward/silu-apart/"+name, func(b *testing.B) {
			for b.Loop() {
				dev.UnaryBackward(tensor.OpSiLU, dh.Buffer(), dout.Buffer(), norm.Buffer(), out.Buffer(), n)
				dev.GroupNormBackward(dx.Buffer(), dgamma.Buffer(), dbeta.Buffer(), dshift.Buffer(), dscale.Buffer(),
					dh.Buffer(), x.Buffer(), gamma.Buffer(), beta.Buffer(), shift.Buffer(), scale.Buffer(), mean.Buffer(), rstd.Buffer(), args)
			}
			b.ReportMetric(12*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
		for _, t := range []*tensor.Tensor{x, dout, gamma, beta, shift, scale, out, mean, rstd, dx, dgamma, dbeta, dshift, dscale, norm, dh} {
			t.Release()
		}
	}
}

// On the fast device, GroupNormSiLU is GroupNorm followed by SiLU, forward
// and backward (SiLU's backward, then the group norm's), on every
// instruction set, with and without the modulation, to within float32
// rounding: the fused kernel computes the norm's rows with the same loops
// and recomputes them for the backward exactly, but its SiLU splits a row
// between the vector loop and the Go loop where Unary splits the whole
// tensor, and the two loops' exponentials differ in the last bit. Also
// with gamma 100 times larger, where h reaches ±150 and e^−h overflows:
// no NaN may come out.
func TestGroupNormSiLUMatchesApart(t *testing.T) {
	const b, c, h, w, groups = 3, 12, 5, 9, 4 // 135 values a group: vector loops and tails
	n := b * c * h * w
	x, dout := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(2*math.Sin(0.37*float64(i)) + 0.3)
		dout[i] = float32(math.Cos(0.11 * float64(i)))
	}
	param := func(n int, phase float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(0.8 * math.Sin(phase+float64(i)))
		}
		return v
	}
	// gain scales gamma: at 100, h reaches ±150, where e^−h overflows.
	for _, gain := range []float32{1, 100} {
		for _, set := range fastcpu.InstructionSetNames() {
			for _, modulated := range []bool{false, true} {
				t.Run(fmt.Sprintf("gain=%v/%s/modulated=%v", gain, set, modulated), func(t *testing.T) {
					dev := fastcpu.NewWithInstructionSet(set)
					gamma := param(c, 1)
					for i := range gamma {
						gamma[i] *= gain
					}
					xt, dt := tensor.FromSlice(dev, x, b, c, h, w), tensor.FromSlice(dev, dout, b, c, h, w)
					gt, bt := tensor.FromSlice(dev, gamma, c), tensor.FromSlice(dev, param(c, 2), c)
					var sht, sct *tensor.Tensor
					if modulated {
						sht, sct = tensor.FromSlice(dev, param(b*c, 3), b, c), tensor.FromSlice(dev, param(b*c, 4), b, c)
					}
					fused, mean, rstd := tensor.GroupNormSiLU(xt, gt, bt, sht, sct, groups, tensor.GroupNormEps)
					norm, _, _ := tensor.GroupNorm(xt, gt, bt, sht, sct, groups, tensor.GroupNormEps)
					apart := tensor.SiLU(norm)
					fdx, fdg, fdb, fds, fdc := tensor.GroupNormSiLUBackward(dt, xt, gt, bt, sht, sct, mean, rstd, groups, modulated)
					dh := tensor.UnaryBackward(tensor.OpSiLU, dt, norm, apart)
					adx, adg, adb, ads, adc := tensor.GroupNormBackward(dh, xt, gt, bt, sct, mean, rstd, groups, modulated)
					pairs := [][2]*tensor.Tensor{{fused, apart}, {fdx, adx}, {fdg, adg}, {fdb, adb}}
					if modulated {
						pairs = append(pairs, [2]*tensor.Tensor{fds, ads}, [2]*tensor.Tensor{fdc, adc})
					}
					for k, p := range pairs {
						got, err1 := p[0].ToHost()
						want, err2 := p[1].ToHost()
						if err1 != nil || err2 != nil {
							t.Fatal(err1, err2)
						}
						var rms float64
						for _, v := range want {
							rms += float64(v) * float64(v)
						}
						rms = math.Sqrt(rms / float64(len(want)))
						for i := range want {
							e := math.Abs(float64(got[i]-want[i])) / (math.Abs(float64(want[i])) + rms)
							if !(e <= 1e-5) {
								t.Errorf("output %d (out, dx, dgamma, dbeta, dshift, dscale), element %d: fused %v, apart %v (relative error %.2g)", k, i, got[i], want[i], e)
								break
							}
						}
					}
				})
			}
		}
	}
}
