package score

import (
	"fmt"
	"math"

	"github.com/ditgo/ditgo/autograd"
	"github.com/ditgo/ditgo/tensor"
)

// crossEntropy returns the mean over rows of −log softmax(logits)[label]:
//
//	loss = 1/B Σ_b ( log Σ_j exp(z_bj − m_b) − (z_b,y_b − m_b) )
//
// for logits z [B, K] and labels [B]. m_b is the row's maximum, read on the
// host and subtracted as a constant, so that no exp overflows; the loss does
// not depend on it, so neither do the gradients (softmax − onehot) / B.
// The label's logit is picked by multiplying with a one-hot mask and summing
// each row.
func crossEntropy(g *autograd.Graph, logits *autograd.Var, labels []int32) *autograd.Var {
	if logits.Value.Rank() != 2 || len(labels) != logits.Value.Dim(0) {
		panic(fmt.Sprintf("crossEntropy: logits %v and %d labels, want [B, K] and B labels", logits.Value.Shape(), len(labels)))
	}
	nB, nK := logits.Value.Dim(0), logits.Value.Dim(1)
	// A failed read leaves the maxima at 0: the device keeps its error and
	// reports it when the caller reads the loss.
	z, _ := logits.Value.ToHost()
	rowMax := make([]float32, nB)    // [B]
	oneHot := make([]float32, nB*nK) // [B, K]
	for b, y := range labels {
		if y < 0 || int(y) >= nK {
			panic(fmt.Sprintf("crossEntropy: label %d of row %d outside [0, %d)", y, b, nK))
		}
		if z != nil {
			rowMax[b] = float32(math.Inf(-1))
			for _, v := range z[b*nK : (b+1)*nK] {
				rowMax[b] = max(rowMax[b], v)
			}
		}
		oneHot[b*nK+int(y)] = 1
	}
	dev := logits.Value.Device()
	m := g.Const(g.Own(tensor.FromSlice(dev, rowMax, nB, 1)))
	mask := g.Const(g.Own(tensor.FromSlice(dev, oneHot, nB, nK)))

	shifted := g.Sub(logits, m)                  // [B, K], each row's max is 0
	logSumExp := g.Log(g.Sum(g.Exp(shifted), 1)) // [B]
	picked := g.Sum(g.Mul(shifted, mask), 1)     // [B], z_y − m
	return g.Mean(g.Sub(logSumExp, picked))      // scalar
}
