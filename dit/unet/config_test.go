package unet_test

import (
	"math"
	"strings"
	"testing"

	"github.com/ditgo/ditgo/dit/unet"
	"github.com/ditgo/ditgo/tensor"
)

// The ladder: each named U-Net builds, grows in parameters and FLOPs with
// its width, and its FLOP count matches a count by hand for UNet-S.
func TestLadder(t *testing.T) {
	dev := tensor.NewCPU()
	prevParams, prevFLOPs := 0, 0.0
	for _, name := range unet.Names() {
		c, err := unet.Named(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := unet.New(dev, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Four channels a group, as the public models have: one a group
		// takes the image's mean away before the output (see ladder).
		if c.Base/c.Groups != 4 {
			t.Errorf("%s: %d channels in %d groups at the first level, want 4 a group", name, c.Base, c.Groups)
		}
		n, f := m.Params.Count(), c.ForwardFLOPs(1)
		m.Release()
		t.Logf("%-8s %8.2fM parameters  %6.3f GFLOP forward per 28×28 image", name, float64(n)/1e6, f/1e9)
		if n <= prevParams || f <= prevFLOPs {
			t.Errorf("%s: %d parameters and %.3g FLOPs, not more than the smaller model's %d and %.3g", name, n, f, prevParams, prevFLOPs)
		}
		prevParams, prevFLOPs = n, f
	}
	if got := unet.Names(); strings.Join(got, ",") != "UNet-S,UNet-B,UNet-L,UNet-XL" {
		t.Errorf("Names() = %v", got)
	}
}

// UNet-S's forward FLOPs on one 28×28×1 image, by hand: base 32, levels at
// 28 (32 ch), 14 (64 ch), 7 (64 ch), E = 128, attention at 7×7 (T = 49).
func TestForwardFLOPsByHand(t *testing.T) {
	c, _ := unet.Named("UNet-S")
	conv := func(side, in, out, k int) float64 { return 2 * float64(side*side*in*out*k*k) }
	emb := func(out int) float64 { return 2 * 128 * 2 * float64(out) }
	res := func(side, in, out int) float64 {
		f := conv(side, in, out, 3) + conv(side, out, out, 3) + emb(out)
		if in != out {
			f += conv(side, in, out, 1)
		}
		return f
	}
	attn := func(side, ch int) float64 {
		t, c := float64(side*side), float64(ch)
		return 2*t*c*3*c + 4*t*t*c + 2*t*c*c
	}
	want := 2*(32*128+128*128) + conv(28, 1, 32, 3) // timestep MLP, input conv
	// Encoder: level 28: 2 × Res(32→32); down to 14; level 14: Res(32→64), Res(64→64);
	// down to 7; level 7: 2 × (Res(64→64), Attn).
	want += 2*res(28, 32, 32) + conv(14, 32, 32, 3)
	want += res(14, 32, 64) + res(14, 64, 64) + conv(7, 64, 64, 3)
	want += 2 * (res(7, 64, 64) + attn(7, 64))
	// Middle: Res, Attn, Res at 7.
	want += 2*res(7, 64, 64) + attn(7, 64)
	// Decoder: level 7: 3 × (Res(64+skip→64), Attn), skips 64, 64, 64, then up (conv at 14);
	// level 14: Res(64+64), Res(64+64), Res(64+32) → 64, up (conv at 28);
	// level 28: Res(64+32), Res(32+32), Res(32+32) → 32; output conv 32 → 2.
	want += 3*(res(7, 128, 64)+attn(7, 64)) + conv(14, 64, 64, 3)
	want += 2*res(14, 128, 64) + res(14, 96, 64) + conv(28, 64, 64, 3)
	want += res(28, 96, 32) + 2*res(28, 64, 32) + conv(28, 32, 2, 3)
	if got := c.ForwardFLOPs(1); got != want {
		t.Errorf("ForwardFLOPs(1) = %.0f, want %.0f", got, want)
	}
}

// Configs that cannot build say why, naming the setting.
func TestValidate(t *testing.T) {
	base, _ := unet.Named("UNet-S")
	for _, tc := range []struct {
		change func(*unet.Config)
		want   string
	}{
		{func(c *unet.Config) { c.InputSize = 30 }, "does not halve"},
		{func(c *unet.Config) { c.Base = 20 }, "norm groups"},
		{func(c *unet.Config) { c.AttnDS = []int{8} }, "downsampling factor 8"},
		{func(c *unet.Config) { c.HeadChannels = 48 }, "do not split into heads"},
		{func(c *unet.Config) { c.Dropout = 1 }, "dropout 1 must be in [0, 1)"},
		{func(c *unet.Config) { c.Dropout = math.NaN() }, "dropout NaN"},
		{func(c *unet.Config) { c.Mult = nil }, "at least 1"},
		{func(c *unet.Config) { c.ClassDropout = 1 }, "class dropout"},
	} {
		c := base
		c.Mult = append([]int(nil), base.Mult...)
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want an error with %q", err, tc.want)
		}
	}
	if _, err := unet.Named("UNet-M"); err == nil || !strings.Contains(err.Error(), "UNet-S") {
		t.Errorf("Named(UNet-M) = %v, want the choices", err)
	}
}

// ParamCount, counted from the plan, is what the built model holds, for
// every named U-Net at both image sizes and with and without a null class.
func TestParamCount(t *testing.T) {
	for _, name := range unet.Names() {
		for _, size := range []struct{ side, channels int }{{28, 1}, {32, 3}} {
			for _, dropout := range []float64{0, 0.1} {
				c, err := unet.Named(name)
				if err != nil {
					t.Fatal(err)
				}
				c.InputSize, c.Channels, c.ClassDropout = size.side, size.channels, dropout
				m, err := unet.New(tensor.NewCPU(), c)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := c.ParamCount(), m.Params.Count(); got != want {
					t.Errorf("%s %d×%d×%d, class dropout %v: ParamCount %d, the model has %d", name, size.side, size.side, size.channels, dropout, got, want)
				}
				m.Release()
			}
		}
	}
}
