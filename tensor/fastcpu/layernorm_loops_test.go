package fastcpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestModulatedRowGradSameBits checks every instruction set's vector loop
// for modulatedRowGrad against the Go loop, bit for bit, at lengths around
// the vector, and that it writes nothing past the lanes it reports.
func TestModulatedRowGradSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	tested := 0
	for _, set := range instructionSets() {
		if set.modulatedRowGrad == nil {
			continue
		}
		tested++
		for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 384, 385} {
			vec := func() []float32 { return octaveRow(r, n) }
			g, xr, sc, ds, dc := vec(), vec(), vec(), vec(), vec()
			mu, rs, gMean, gxMean := float32(r.NormFloat64()), float32(math.Exp(r.NormFloat64())), float32(r.NormFloat64()), float32(r.NormFloat64())
			wantO, wantDs, wantDc := make([]float32, n), slices.Clone(ds), slices.Clone(dc)
			modulatedRowGrad(wantO, wantDs, wantDc, g, xr, sc, mu, rs, gMean, gxMean)
			o := make([]float32, n)
			for i := range o {
				o[i] = 42
			}
			done := set.modulatedRowGrad(o, ds, dc, g, xr, sc, mu, rs, gMean, gxMean)
			if done > n {
				t.Fatalf("%s, n=%d: reports %d lanes", set.name, n, done)
			}
			for i := range n {
				if i >= done {
					if o[i] != 42 {
						t.Fatalf("%s, n=%d: wrote lane %d past the %d it reports", set.name, n, i, done)
					}
					continue
				}
				for _, c := range []struct {
					name      string
					got, want float32
				}{{"o", o[i], wantO[i]}, {"ds", ds[i], wantDs[i]}, {"dc", dc[i], wantDc[i]}} {
					if math.Float32bits(c.got) != math.Float32bits(c.want) {
						t.Fatalf("%s, n=%d: %s[%d] = %v, the Go loop's %v", set.name, n, c.name, i, c.got, c.want)
					}
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no instruction set of this CPU has a modulatedRowGrad loop: the Go loop runs everywhere")
	}
}

// TestModulateRowSameBits checks every instruction set's vector loop for
// LayerNormModulate's row against the Go loop (modulateRow), bit for bit,
// at lengths around the vector, writing nothing past the lanes it reports.
func TestModulateRowSameBits(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	tested := 0
	for _, set := range instructionSets() {
		if set.modulateRow == nil {
			continue
		}
		tested++
		for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 384, 385} {
			vec := func() []float32 { return octaveRow(r, n) }
			xr, sh, sc := vec(), vec(), vec()
			mu, rs := float32(r.NormFloat64()), float32(math.Exp(r.NormFloat64()))
			want, got := make([]float32, n), make([]float32, n)
			modulateRow(want, xr, sh, sc, mu, rs)
			for i := range got {
				got[i] = 42
			}
			done := set.modulateRow(got, xr, sh, sc, mu, rs)
			if done > n {
				t.Fatalf("%s, n=%d: reports %d lanes", set.name, n, done)
			}
			for i := range n {
				switch {
				case i >= done && got[i] != 42:
					t.Fatalf("%s, n=%d: wrote lane %d past the %d it reports", set.name, n, i, done)
				case i < done && math.Float32bits(got[i]) != math.Float32bits(want[i]):
					t.Fatalf("%s, n=%d: o[%d] = %v, the Go loop's %v", set.name, n, i, got[i], want[i])
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no instruction set of this CPU has a modulateRow loop: the Go loop runs everywhere")
	}
}

// octaveRow returns n normal values scaled by e^(2·normal): magnitudes
// over many octaves, so that every rounding shows.
func octaveRow(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * math.Exp(2*r.NormFloat64()))
	}
	return v
}
