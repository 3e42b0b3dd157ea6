package tensor

import (
	"runtime"
	"sync"
)

// parallelFor calls body(lo, hi) on disjoint ranges that together cover
// [0, n), one range per core, each on a goroutine of its own, and returns
// when all have returned. Each index is handled by exactly one call, so a
// kernel whose iterations write disjoint outputs stays deterministic: every
// output element is computed by one goroutine, in the loop's own order. Small
// loops run inline.
//
// The reference keeps this plain split on purpose; the fast CPU device
// (tensor/fastcpu) runs its loops on a team of helper goroutines that stay
// awake between kernels, and the ground truth should not share that
// machinery with the code it checks.
func parallelFor(n, workPerItem int, body func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n*workPerItem < 1<<15 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { body(w*n/workers, (w+1)*n/workers) })
	}
	wg.Wait()
}
