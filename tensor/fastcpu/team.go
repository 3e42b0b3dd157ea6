package fastcpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// workerTeam runs the parallel parts of the fast kernels — the GEMM and
// every parallelFor — on helper goroutines that stay awake for a while
// after each job, as BLAS thread pools do.
//
// Why: starting a goroutine on an idle core means waking that core's
// thread, and on a virtual machine that takes 40 to 200 µs (measured on
// this project's 2-core machines: median 80 µs), a tenth of a DiT-Tiny
// matmul and more than a whole elementwise kernel. (Before parallelFor
// used the team, a DiT-Mini training step ran faster on one core than on
// two.) A helper that spins for teamSpin after its job is still
// running when the next matmul of a training step arrives; one that has
// waited longer goes to sleep, so an idle program costs nothing.
//
// One job runs at a time; a caller that finds the team busy (matmuls
// called from several goroutines at once) starts plain goroutines instead.
type workerTeam struct {
	busy    atomic.Bool // a job is running
	mu      sync.Mutex  // guards helpers
	helpers []*teamHelper
	body    func(w int)  // the current job; written before the helpers' gen
	left    atomic.Int64 // helpers of the current job still running
}

// teamHelper is one helper goroutine: it runs body(w) for each increment of
// gen.
type teamHelper struct {
	w        int           // the worker index it runs
	gen      atomic.Uint64 // jobs posted to it
	mu       sync.Mutex    // guards sleeping, with wake
	wake     sync.Cond
	sleeping bool
}

// teamSpin is how many times an idle helper checks for a new job before
// it sleeps: a few hundred microseconds.
const teamSpin = 1 << 18

var cpuTeam workerTeam

// run calls body(0), ..., body(n-1) at the same time, body(0) on the
// calling goroutine, and returns when all have returned.
func (t *workerTeam) run(n int, body func(w int)) {
	if n <= 1 {
		body(0)
		return
	}
	if !t.busy.CompareAndSwap(false, true) {
		spawnWorkers(n, body)
		return
	}
	helpers := t.start(n - 1)
	t.body = body
	t.left.Store(int64(n - 1))
	for _, h := range helpers[:n-1] {
		h.gen.Add(1)
		h.mu.Lock()
		if h.sleeping {
			h.wake.Signal()
		}
		h.mu.Unlock()
	}
	body(0)
	for spins := 0; t.left.Load() != 0; spins++ {
		if spins > 1000 {
			runtime.Gosched() // a helper was descheduled: let it run
		}
	}
	t.body = nil
	t.busy.Store(false)
}

// start returns at least n helpers, starting the missing ones.
func (t *workerTeam) start(n int) []*teamHelper {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.helpers) < n {
		h := &teamHelper{w: len(t.helpers) + 1}
		h.wake.L = &h.mu
		t.helpers = append(t.helpers, h)
		go t.serve(h)
	}
	return t.helpers
}

// serve is the loop of one helper goroutine.
func (t *workerTeam) serve(h *teamHelper) {
	var done uint64 // jobs finished
	for {
		for spins := 1; h.gen.Load() == done && spins < teamSpin; spins++ {
			if spins%256 == 0 {
				runtime.Gosched() // let goroutines that share this core run
			}
		}
		if h.gen.Load() == done {
			h.mu.Lock()
			h.sleeping = true
			for h.gen.Load() == done {
				h.wake.Wait()
			}
			h.sleeping = false
			h.mu.Unlock()
		}
		done++
		t.body(h.w)
		t.left.Add(-1)
	}
}

// spawnWorkers is run without the team: one new goroutine per worker.
func spawnWorkers(n int, body func(w int)) {
	var wg sync.WaitGroup
	wg.Add(n - 1)
	for w := 1; w < n; w++ {
		go func() {
			defer wg.Done()
			body(w)
		}()
	}
	body(0)
	wg.Wait()
}
