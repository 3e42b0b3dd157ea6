package fastcpu

import "runtime"

// parallelFor calls body(lo, hi) on disjoint ranges that together cover
// [0, n), one range per core. Each index is handled by exactly one call, so a
// kernel whose iterations write disjoint outputs stays deterministic. Small
// loops run inline. The ranges run on the worker team (team.go), whose
// helpers are usually still awake from the previous kernel.
func parallelFor(n, workPerItem int, body func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n*workPerItem < 1<<15 {
		body(0, n)
		return
	}
	cpuTeam.run(workers, func(w int) { body(w*n/workers, (w+1)*n/workers) })
}
