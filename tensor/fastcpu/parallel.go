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
// There are up to parallelChunks ranges a core, and each worker claims the
// next one when it has finished its last. With one range a core, the core
// that started late or shared its time with another program kept the other
// waiting: on this project's 2-core virtual machines the idle core's wait
// was a fifth to a quarter of each GroupNorm and elementwise pass of a
// U-Net step.
func parallelFor(n, workPerItem int, body func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n*workPerItem < parallelInline {
		body(0, n)
		return
	}
	chunks := min(n, workers*parallelChunks, max(workers, n*workPerItem/(parallelInline/2)))
	var next atomic.Int64
	cpuTeam.run(workers, func(int) {
		for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
			body(c*n/chunks, (c+1)*n/chunks)
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
