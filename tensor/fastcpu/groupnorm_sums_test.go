package fastcpu

import (
	"fmt"
	"math"
	"testing"
)

// BenchmarkGroupMoments weighs groupMoments' blocked sums (float32 within a
// block, float64 across; in Go, and in the CPU's vector loops where it has
// them) against float64 sums all the way (groupMoments64
// below) and float32 sums over four accumulators (rowMoments below, the
// layer norm's moments before it took groupMoments), on one group of the U-Net (4 channels ×
// 16×16) and one of the VAE's size class (16 × 64×64), and reports how far
// each mean is from the exact one for values 100 + sin(i).
func BenchmarkGroupMoments(b *testing.B) {
	for _, n := range []int{1024, 65536} {
		x := make([]float32, n)
		var exact float64
		for i := range x {
			x[i] = float32(100 + math.Sin(float64(i)))
			exact += float64(x[i])
		}
		exact /= float64(n)
		b.Run(fmt.Sprintf("n=%d/blocked", n), func(b *testing.B) {
			var mu float32
			for b.Loop() {
				mu, _ = groupMoments(x, 1e-5, nil)
			}
			b.ReportMetric(4*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			b.ReportMetric(math.Abs(float64(mu)-exact), "mean-error")
		})
		if loops := instructionSets()[0].groupNorm; loops != nil {
			b.Run(fmt.Sprintf("n=%d/blocked-vector", n), func(b *testing.B) {
				var mu float32
				for b.Loop() {
					mu, _ = groupMoments(x, 1e-5, loops)
				}
				b.ReportMetric(4*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				b.ReportMetric(math.Abs(float64(mu)-exact), "mean-error")
			})
		}
		b.Run(fmt.Sprintf("n=%d/float64", n), func(b *testing.B) {
			var mu float32
			for b.Loop() {
				mu, _ = groupMoments64(x, 1e-5)
			}
			b.ReportMetric(4*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			b.ReportMetric(math.Abs(float64(mu)-exact), "mean-error")
		})
		b.Run(fmt.Sprintf("n=%d/float32", n), func(b *testing.B) {
			var mu float32
			for b.Loop() {
				mu, _ = rowMoments(x)
			}
			b.ReportMetric(4*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			b.ReportMetric(math.Abs(float64(mu)-exact), "mean-error")
		})
	}
}

// groupMoments64 is groupMoments with float64 sums all the way.
func groupMoments64(x []float32, eps float32) (mu, rs float32) {
	n := len(x)
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < n; i++ {
		s0 += float64(x[i])
	}
	m := (s0 + s1 + s2 + s3) / float64(n)
	s0, s1, s2, s3 = 0, 0, 0, 0
	for i = 0; i+4 <= n; i += 4 {
		a, b, c, e := float64(x[i])-m, float64(x[i+1])-m, float64(x[i+2])-m, float64(x[i+3])-m
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += e * e
	}
	for ; i < n; i++ {
		a := float64(x[i]) - m
		s0 += a * a
	}
	return float32(m), float32(1 / math.Sqrt((s0+s1+s2+s3)/float64(n)+float64(eps)))
}

// rowMoments is the mean and 1/√(variance + ε) of one row in float32, over
// four accumulators: the layer norm's moments before it took groupMoments.
func rowMoments(xr []float32) (mu, rs float32) {
	n := len(xr)
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += xr[i]
		s1 += xr[i+1]
		s2 += xr[i+2]
		s3 += xr[i+3]
	}
	for ; i < n; i++ {
		s0 += xr[i]
	}
	mu = (s0 + s1 + s2 + s3) / float32(n)
	s0, s1, s2, s3 = 0, 0, 0, 0
	for i = 0; i+4 <= n; i += 4 {
		a, b, c, e := xr[i]-mu, xr[i+1]-mu, xr[i+2]-mu, xr[i+3]-mu
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += e * e
	}
	for ; i < n; i++ {
		a := xr[i] - mu
		s0 += a * a
	}
	return mu, float32(1 / math.Sqrt(float64((s0+s1+s2+s3)/float32(n))+1e-6))
}
