package score

import (
	"math"
	"slices"
	"testing"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// crossEntropyRef is the loss and its gradient computed directly in float64:
// loss = 1/B Σ_b (log Σ_j e^{z_bj} − z_b,y), ∂loss/∂z_bj = (softmax_bj − [j = y_b]) / B.
func crossEntropyRef(z []float64, labels []int32, nK int) (loss float64, grad []float64) {
	nB := len(labels)
	grad = make([]float64, len(z))
	for b, y := range labels {
		row := z[b*nK : (b+1)*nK]
		m := slices.Max(row)
		var s float64
		for _, v := range row {
			s += math.Exp(v - m)
		}
		loss += (m + math.Log(s) - row[y]) / float64(nB)
		for j, v := range row {
			grad[b*nK+j] = math.Exp(v-m) / s / float64(nB)
		}
		grad[b*nK+int(y)] -= 1 / float64(nB)
	}
	return loss, grad
}

// crossEntropyGraph runs crossEntropy on the float64 CPU device and returns
// the loss and ∂loss/∂logits.
func crossEntropyGraph(z []float64, labels []int32, nK int) (float64, []float64) {
	dev := tensor.NewCPU64()
	logits := autograd.Param(tensor.FromFloat64(dev, z, len(labels), nK))
	g := autograd.NewGraph()
	loss := crossEntropy(g, logits, labels)
	g.Backward(loss)
	l, _ := loss.Value.Float64s()
	grad, _ := logits.Grad.Float64s()
	g.Release()
	logits.Value.Release()
	logits.Grad.Release()
	return l[0], grad
}

func TestCrossEntropyValueAndGradient(t *testing.T) {
	const nK = 4
	z := []float64{
		0, 0, 0, 0, // uniform: loss log 4, by hand
		1, -2, 0.5, 3,
		-0.3, 0.7, 2, -1,
		1000, 1001, 999, 1000.5, // e^1000 overflows without the max shift
	}
	labels := []int32{2, 3, 0, 1}
	got, grad := crossEntropyGraph(z, labels, nK)
	want, wantGrad := crossEntropyRef(z, labels, nK)
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("loss = %.15g, want %.15g", got, want)
	}
	for i := range grad {
		if math.Abs(grad[i]-wantGrad[i]) > 1e-12 {
			t.Fatalf("∂loss/∂z[%d] = %.15g, want %.15g", i, grad[i], wantGrad[i])
		}
	}

	// The uniform row alone, by hand: −log(1/4).
	if l, _ := crossEntropyGraph(z[:nK], labels[:1], nK); math.Abs(l-math.Log(4)) > 1e-12 {
		t.Fatalf("loss of uniform logits = %.15g, want log 4 = %.15g", l, math.Log(4))
	}

	// Central differences of the op itself, on the rows of moderate size.
	small, smallLabels := z[:3*nK], labels[:3]
	_, g0 := crossEntropyGraph(small, smallLabels, nK)
	const h = 1e-6
	for i := range small {
		plus, minus := slices.Clone(small), slices.Clone(small)
		plus[i] += h
		minus[i] -= h
		lp, _ := crossEntropyGraph(plus, smallLabels, nK)
		lm, _ := crossEntropyGraph(minus, smallLabels, nK)
		if fd := (lp - lm) / (2 * h); math.Abs(fd-g0[i]) > 1e-7 {
			t.Fatalf("∂loss/∂z[%d] = %.10g, central difference %.10g", i, g0[i], fd)
		}
	}
}
