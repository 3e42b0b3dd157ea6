package fastcpu

import (
	"runtime"
	"sync/atomic"
)

// parallelFor calls body(lo, hi) on disjoint ranges that together cover
// [0, n). Each index is handled by exactly one call, and the ranges depend
// only on n, workPerItem and the number of cores, so a kernel whose
// iterations write disjoint outputs stays deterministic. Small loops run
// inline. The ranges run on the worker team (team.go), whose helpers are
// usually still awake from the previous kernel.
//
// There are up to parallelChunks ranges a core, and a worker that has
// finished its own helps with the others'. With one range a core, the core
// that started late or shared its time with another program kept the other
// waiting: on this project's 2-core virtual machines, timed around each
// pass of five U-Net steps (one a warm-up), the idle core's wait was a
// fifth to a quarter of each GroupNorm and elementwise pass.
func parallelFor(n, workPerItem int, body func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n*workPerItem < parallelInline {
		body(0, n)
		return
	}
	chunks := min(n, workers*parallelChunks, max(workers, n*workPerItem/(parallelInline/2)))
	// Worker w owns the ranges from chunks·w/workers on, and takes them in
	// order; when its own are done it helps the others, from the front of
	// what they have left. So each core keeps to the same part of the data
	// from one kernel to the next, unless another falls behind, and may
	// find in its cache what it wrote before. (Alternating runs of DiT-S/4
	// and UNet-B steps could not tell this from ranges claimed in turn.)
	next := make([]atomic.Int64, workers)
	for w := range next {
		next[w].Store(int64(chunks * w / workers))
	}
	cpuTeam.run(workers, func(w int) {
		for k := range workers {
			v := (w + k) % workers
			end := chunks * (v + 1) / workers
			for c := int(next[v].Add(1) - 1); c < end; c = int(next[v].Add(1) - 1) {
				body(c*n/chunks, (c+1)*n/chunks)
			}
		}
	})
}

const (
	// parallelInline is the work (items × work per item) below which
	// parallelFor runs its loop on the calling goroutine.
	parallelInline = 1 << 15
	// parallelChunks is how many ranges parallelFor makes for each core.
	parallelChunks = 8
)
