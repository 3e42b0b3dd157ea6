package fastcpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/tensor"
	"github.com/ditgo/ditgo/tensor/fastcpu"
)

// convChecks are convolutions larger than the op suite's, for the paths
// that only larger sizes take: products of several images side by side
// (panels that straddle two images) or of one, shared out whole or split
// by tiles, several depth blocks with the bias's row of ones in the last,
// a negative padding in the stride-1 input gradient, strided input
// gradients of several phases, weight gradients cut into parts, one
// part ending inside an image, with both of their gathers (rows of 32
// pixels or more at stride 1, and the others), and the wide geometry of
// the stride-1 products (convGeom.widen) with no padding to read into (its
// last row reads past the image) and with one tap across; and the
// weight gradient on channels-last planes (weightGradChannelsLast), with
// input channels a multiple of nr (64, 32) or padded to one (50, 37, 24,
// 20), Cout not a multiple of the slivers' rows, and parts of one image
// or of several stacked: laid out straight from x at stride 1 (paddings
// 0 to 3, kernels of 3×3 and 5×3; at a padding of 3 an image's last
// padding row is not the next image's first) and through
// convGeom.prepareStacked at strides 2 and 3, from scratch that holds
// NaNs (PoisonConvScratch, sized to hold any of the case's buffers), so
// that a pixel left unwritten shows; and strided
// input gradients whose phases read windows of dout that
// differ (kernels of 1 to 5 taps, strides 2 to 4, phases that no tap
// reaches or that hold no pixel, several units of images).
var convChecks = []tensor.Conv2DArgs{
	{B: 4, Cin: 64, H: 16, W: 16, Cout: 64, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{B: 3, Cin: 32, H: 9, W: 11, Cout: 40, KH: 3, KW: 3, Stride: 2, Pad: 1},
	{B: 2, Cin: 16, H: 12, W: 10, Cout: 24, KH: 5, KW: 5, Stride: 1, Pad: 2},
	{B: 5, Cin: 24, H: 8, W: 8, Cout: 36, KH: 1, KW: 1, Stride: 1, Pad: 0},
	{B: 2, Cin: 3, H: 7, W: 9, Cout: 5, KH: 1, KW: 3, Stride: 1, Pad: 2},
	{B: 2, Cin: 64, H: 128, W: 128, Cout: 4, KH: 3, KW: 3, Stride: 2, Pad: 1},
	{B: 5, Cin: 8, H: 23, W: 21, Cout: 12, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{B: 3, Cin: 3, H: 30, W: 33, Cout: 5, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{B: 3, Cin: 50, H: 6, W: 7, Cout: 7, KH: 3, KW: 3, Stride: 1, Pad: 0},
	{B: 2, Cin: 4, H: 5, W: 6, Cout: 3, KH: 3, KW: 1, Stride: 1, Pad: 1},
	{B: 9, Cin: 37, H: 24, W: 20, Cout: 20, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{B: 3, Cin: 20, H: 13, W: 10, Cout: 14, KH: 5, KW: 5, Stride: 2, Pad: 2},
	{B: 2, Cin: 9, H: 11, W: 12, Cout: 7, KH: 1, KW: 1, Stride: 2, Pad: 0},
	{B: 2, Cin: 6, H: 10, W: 9, Cout: 5, KH: 4, KW: 2, Stride: 2, Pad: 1},
	{B: 2, Cin: 5, H: 10, W: 11, Cout: 6, KH: 3, KW: 3, Stride: 3, Pad: 1},
	{B: 2, Cin: 4, H: 7, W: 7, Cout: 3, KH: 3, KW: 3, Stride: 2, Pad: 0},
	{B: 2, Cin: 3, H: 2, W: 9, Cout: 2, KH: 1, KW: 3, Stride: 4, Pad: 1},
	{B: 40, Cin: 16, H: 8, W: 8, Cout: 24, KH: 3, KW: 3, Stride: 2, Pad: 1},
	{B: 12, Cin: 13, H: 9, W: 7, Cout: 5, KH: 3, KW: 3, Stride: 2, Pad: 1},
	{B: 8, Cin: 7, H: 11, W: 10, Cout: 9, KH: 5, KW: 5, Stride: 2, Pad: 2},
	{B: 9, Cin: 6, H: 10, W: 11, Cout: 4, KH: 3, KW: 3, Stride: 3, Pad: 0},
	{B: 2, Cin: 13, H: 5, W: 1, Cout: 2, KH: 1, KW: 1, Stride: 2, Pad: 0},
	{B: 3, Cin: 12, H: 7, W: 2, Cout: 3, KH: 3, KW: 3, Stride: 2, Pad: 1},
	{B: 3, Cin: 20, H: 9, W: 10, Cout: 13, KH: 5, KW: 3, Stride: 1, Pad: 2},
	{B: 5, Cin: 24, H: 6, W: 7, Cout: 5, KH: 3, KW: 3, Stride: 1, Pad: 3},
	{B: 4, Cin: 16, H: 6, W: 6, Cout: 9, KH: 3, KW: 3, Stride: 1, Pad: 1},  // the last Cin that gathers col
	{B: 4, Cin: 17, H: 6, W: 6, Cout: 9, KH: 3, KW: 3, Stride: 1, Pad: 1},  // the first one channels-last
	{B: 3, Cin: 33, H: 7, W: 5, Cout: 11, KH: 3, KW: 3, Stride: 1, Pad: 1}, // padded to 64 channels
	{B: 5, Cin: 18, H: 11, W: 10, Cout: 7, KH: 3, KW: 3, Stride: 3, Pad: 1},
	{B: 3, Cin: 3, H: 16, W: 32, Cout: 14, KH: 3, KW: 3, Stride: 1, Pad: 1}, // rows of 32 read as they are
	{B: 2, Cin: 20, H: 9, W: 64, Cout: 13, KH: 3, KW: 5, Stride: 1, Pad: 2},
}

// The fast convolution and its two gradients against the float64
// reference, on every instruction set, within float32 rounding of sums as
// long as theirs.
func TestConv2DAgainstReference(t *testing.T) {
	ref := tensor.NewCPU64()
	for _, a := range convChecks {
		want := convResults(t, ref, a)
		tol := 1e-6 * float64(10+max(a.Cin*a.KH*a.KW, a.Cout*a.KH*a.KW, a.B*a.OH()*a.OW()))
		for _, set := range fastcpu.InstructionSetNames() {
			if set == "generic" && a.MACs() > 1<<24 {
				continue // the pure-Go tile is slow; the op suite covers it
			}
			t.Run(fmt.Sprintf("%s/%+v", set, a), func(t *testing.T) {
				t.Setenv("DITGO_CPU_KERNEL", set)
				fastcpu.PoisonConvScratch(4 * (a.B*a.Cin*(a.H+2*a.Pad+a.KH)*(a.W+2*a.Pad+a.KW) + a.B*a.Cout*a.OH()*a.OW()))
				got := convResults(t, fastcpu.New(), a)
				for i, name := range []string{"out", "dx", "dw"} {
					if e := relErr(got[i], want[i]); e > tol {
						t.Errorf("%s: relative error %.3g > %.3g", name, e, tol)
					}
				}
			})
		}
	}
}

// Results do not depend on the number of cores: one goroutine or all of
// them give the same bits.
func TestConv2DDeterministic(t *testing.T) {
	dev := fastcpu.New()
	for _, a := range convChecks[:3] {
		all := convResults(t, dev, a)
		prev := runtime.GOMAXPROCS(1)
		one := convResults(t, dev, a)
		runtime.GOMAXPROCS(prev)
		for i, name := range []string{"out", "dx", "dw"} {
			if !slices.Equal(all[i], one[i]) {
				t.Errorf("%+v: %s differs between %d goroutines and 1", a, name, prev)
			}
		}
	}
}

// convResults runs Conv2D (with bias), Conv2DBackwardInput and
// Conv2DBackwardWeightAcc (into a dw of ones) on dev, on inputs drawn from
// one seed, and returns out, dx and dw.
func convResults(t *testing.T, dev tensor.Device, a tensor.Conv2DArgs) [3][]float64 {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	from := func(shape ...int) *tensor.Tensor {
		n := 1
		for _, s := range shape {
			n *= s
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return tensor.FromSlice(dev, v, shape...)
	}
	x, w, bias := from(a.B, a.Cin, a.H, a.W), from(a.Cout, a.Cin, a.KH, a.KW), from(a.Cout)
	dout := from(a.B, a.Cout, a.OH(), a.OW())
	dw := tensor.Full(dev, 1, a.Cout, a.Cin, a.KH, a.KW)
	tensor.Conv2DBackwardWeightAcc(dw, dout, x, a)
	var res [3][]float64
	for i, v := range []*tensor.Tensor{tensor.Conv2D(x, w, bias, a.Stride, a.Pad), tensor.Conv2DBackwardInput(dout, w, a), dw} {
		var err error
		if res[i], err = v.Float64s(); err != nil {
			t.Fatal(err)
		}
		v.Release()
	}
	for _, v := range []*tensor.Tensor{x, w, bias, dout} {
		v.Release()
	}
	return res
}

// relErr is the largest |got − want| relative to |want| + rms(want), the
// op suite's measure.
func relErr(got, want []float64) float64 {
	var ss float64
	for _, v := range want {
		ss += v * v
	}
	floor := math.Sqrt(ss/float64(len(want))) + 1e-30
	worst := 0.0
	for i := range want {
		e := math.Abs(got[i]-want[i]) / (math.Abs(want[i]) + floor)
		if math.IsNaN(e) { // a NaN or an infinity where none belongs
			return math.Inf(1)
		}
		worst = max(worst, e)
	}
	return worst
}
