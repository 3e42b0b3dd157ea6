package tensor

import (
	"runtime"
	"sync"
)

// parallelFor calls body(lo, hi) on disjoint ranges that together cover
// [0, n), one range per core. Each index is handled by exactly one call, so a
// kernel whose iterations write disjoint outputs stays deterministic. Small
// loops run inline: a goroutine costs about a microsecond.
func parallelFor(n, workPerItem int, body func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 || n*workPerItem < 1<<15 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}
