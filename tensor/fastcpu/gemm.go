package fastcpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ditgo/ditgo/tensor"
)

// The fast matmul of Device: a blocked GEMM in the style of BLIS (Goto and
// van de Geijn, "Anatomy of High-Performance Matrix Multiplication", 2008;
// Van Zee and van de Geijn, "BLIS", 2015). It computes what tensor.MatMulRef
// computes, for float32.
//
// C (M×N) = op(A) (M×K) · op(B) (K×N) is cut into blocks that fit the caches,
// and the innermost work is one register-sized mr×nr tile of C:
//
//	for ic in steps of mc:                rows of C
//	  for pc in steps of kc:              the shared dimension K
//	    for jc in steps of nc:            columns of C
//	      pack op(B)[pc:+kc, jc:+nc] into kc×nr panels           (L2)
//	      for ir in steps of mr:          one sliver of A         (L1)
//	        if jc is the first: pack op(A)[ic+ir:+mr, pc:+kc] into the sliver
//	                            (unless it is read in place: gemmWorker)
//	        for jr in steps of nr:        one panel, streamed from L2
//	          C[ic+ir:+mr, jc+jr:+nr] (+)= sliver · panel        (the micro-kernel)
//
// This is the loop order of BLIS's Skylake-X kernels: a sliver of A stays
// in L1 while the panels of B stream past it from L2, and each sliver
// writes a band of C from left to right, which the hardware prefetchers
// follow. The mc×kc block of slivers is kept (in L3) for the later column
// blocks.
//
// Packing copies each block once into the order in which the micro-kernel
// reads it: a panel holds, for each p, the nr values op(B)[pc+p, j:j+nr],
// and a sliver holds, for each p, the mr values op(A)[i:i+mr, pc+p]. The
// packing reads A or B in whichever layout they are stored (TransA, TransB),
// so transposed operands cost nothing extra, and it pads the last panel and
// sliver with zeros so that the micro-kernel never needs a short form. Tiles
// that stick out of C are computed into a small temporary and copied.
//
// The epilogue follows tensor.MatMulRef: the first kc block (pc = 0) writes
// sum + bias, or adds it to C with Accumulate; later blocks add to C.
//
// Parallel work: the goroutines of one product (run by workerTeam, whose
// helpers stay awake between calls) share the packed blocks. They pack a
// block of B together, one panel at a time, wait for each other, then
// multiply one sliver of A (a row of tiles) at a time, or parts of rows
// when a product has too few. Each goroutine owns a contiguous share of
// the units and takes them in order; one that finishes early takes what
// is left of the others' shares, so a core slowed by other work does less
// of it. Every element of C is computed by one goroutine, in the same
// order (kc blocks in turn, each in the micro-kernel's order) whichever
// goroutine that is and however many there are, so results are bitwise
// reproducible and do not depend on GOMAXPROCS or on timing. A batch of
// many small products is instead split into whole products.

// gemmParallelWork is the M·N·K of one product below which splitting it
// over goroutines costs more than it saves.
const gemmParallelWork = 1 << 18

// gemmOperands is one product of a batch: out[M×N] (+)= op(a) · op(b) + bias.
type gemmOperands struct {
	c, a, b, bias              []float32
	M, N, K                    int
	transA, transB, accumulate bool
	round                      tensor.Rounding // of A and B: to bfloat16 (gemm_bf16.go) or float16
	// packA and packB, when not nil, gather op(A) or op(B) in place of
	// packLanes, for an operand that is not stored as a matrix at all: the
	// convolution's im2col matrix (conv.go), built straight into the
	// packed blocks. They write what packLanes would write for the same
	// sliver (rows row…row+h−1) or panel (columns col…col+w−1), steps
	// pc…pc+kc−1, padded with zero lanes to k.mr or k.nr; a and b are then
	// not read.
	packA func(k *gemmKernel, dst []float32, row, h, pc, kc int)
	packB func(k *gemmKernel, dst []float32, col, w, pc, kc int)
	// rowsB, when not nil (with packB, and a kernel with tileI), finds
	// the full panels of a gathered op(B) whose rows lie in memory as
	// tileI reads them: columns col…col+nr−1 of step pc+p at
	// b[offs[p]+j], for p < kc, every offset at most maxOff. It returns
	// nil for a panel that does not, which packB then packs.
	rowsB func(col, pc, kc int) (b []float32, offs []int, maxOff int)
}

// gemmScratch is the working memory of one product: the packed blocks,
// shared by its goroutines, and what they need to take turns.
type gemmScratch struct {
	a    []float32   // mc×kc of op(A): mr×kc slivers
	b    []float32   // kc×nc of op(B): kc×nr panels
	edge [][]float32 // per goroutine, one mr×nr tile for tiles that stick out of C
	// per goroutine, two tables of offsets p·steps (stepTable) and their
	// steps
	tables     [][2][]int
	tableSteps [][2]int

	workers int          // goroutines taking part
	claimed []gemmCount  // per goroutine: units taken from its share of the current phase
	next    int          // with one goroutine, the units it has taken
	views   [][]gemmView // per goroutine, the panels of the current block (gemmWorker)

	_       [64]byte     // the barrier's counters on cache lines of their own
	arrived atomic.Int64 // goroutines waiting at the barrier
	phase   atomic.Int64 // counts completed barriers
	mu      sync.Mutex   // with passed, lets a goroutine sleep at the barrier
	passed  sync.Cond
	_       [64]byte
}

// gemmCount is a counter on a cache line of its own: a line shared with
// data that every unit of work reads would move between the cores at every
// claim, and halve the speed of small products.
type gemmCount struct {
	atomic.Int64
	_ [56]byte
}

// claim returns the next unit of a phase of n units for goroutine w, or n
// when none is left. Goroutine w owns the w-th of workers equal, contiguous
// shares of the units and takes them in order, so it works on neighbouring
// rows of A and C, the same ones in every call; when its share is done it
// takes units left in the others' shares.
func (s *gemmScratch) claim(w, n int) int {
	if s.workers == 1 { // no one to share with: no atomic adds
		u := s.next
		s.next++
		return min(u, n)
	}
	for i := range s.workers {
		r := (w + i) % s.workers
		lo, hi := r*n/s.workers, (r+1)*n/s.workers
		if u := lo + int(s.claimed[r].Add(1)-1); u < hi {
			return u
		}
	}
	return n
}

// barrier waits until all s.workers goroutines have called it, then starts
// the next phase's claims from the beginning. The goroutines usually arrive
// within microseconds of each other, as they share out the units, so a
// waiter spins for a while before it sleeps: waking a sleeping goroutine
// costs tens of microseconds on a virtual machine (see workerTeam).
func (s *gemmScratch) barrier() {
	if s.workers == 1 {
		s.next = 0
		return
	}
	phase := s.phase.Load()
	if s.arrived.Add(1) == int64(s.workers) {
		s.arrived.Store(0)
		for i := range s.claimed {
			s.claimed[i].Store(0)
		}
		s.mu.Lock()
		s.phase.Add(1)
		s.passed.Broadcast()
		s.mu.Unlock()
		return
	}
	for spins := 1; spins < teamSpin; spins++ {
		if s.phase.Load() != phase {
			return
		}
		if spins%256 == 0 {
			runtime.Gosched()
		}
	}
	s.mu.Lock()
	for s.phase.Load() == phase {
		s.passed.Wait()
	}
	s.mu.Unlock()
}

// gemmScratchCache keeps scratch between calls, so that a steady stream of
// matmuls allocates nothing; unlike a sync.Pool it is not emptied by the
// garbage collector, which would make every collection cost a few MB of
// fresh, page-faulting memory. It holds at most as many scratches as
// products ever ran at once.
type gemmScratchCache struct {
	mu   sync.Mutex
	free []*gemmScratch
}

func (c *gemmScratchCache) get() *gemmScratch {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.free); n > 0 {
		s := c.free[n-1]
		c.free = c.free[:n-1]
		return s
	}
	s := new(gemmScratch)
	s.passed.L = &s.mu
	return s
}

func (c *gemmScratchCache) put(s *gemmScratch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.free = append(c.free, s)
}

// gemm computes tensor.MatMulRef(out, a, b, bias, nil, p) with micro-kernel k,
// on up to workers goroutines, with scratch from cache. A bfloat16 product
// needs k's packBF16 (gemm_bf16.go); a kernel on bfloat16 pairs runs only
// those. A float16 product rounds its packed blocks with roundFP16Block.
func gemm(k *gemmKernel, cache *gemmScratchCache, out, a, b, bias []float32, p tensor.MatMulArgs, workers int) {
	M, N, K := p.M, p.N, p.K
	if k.pairs && p.Round != tensor.RoundToBF16 {
		panic("fastcpu: a bfloat16-pair micro-kernel given a float32 product")
	}
	if M == 0 || N == 0 || p.Batch == 0 {
		return
	}
	if K == 0 { // C is just (C +) bias: nothing to block
		tensor.MatMulRef(out, a, b, bias, nil, p)
		return
	}
	item := func(n int) gemmOperands {
		// Three-index slices, so that a packing routine's bounds check
		// stops at this product's end.
		return gemmOperands{
			c: out[n*M*N : (n+1)*M*N : (n+1)*M*N], a: a[n*M*K : (n+1)*M*K : (n+1)*M*K], b: b[n*K*N : (n+1)*K*N : (n+1)*K*N], bias: bias,
			M: M, N: N, K: K, transA: p.TransA, transB: p.TransB, accumulate: p.Accumulate, round: p.Round,
		}
	}
	if p.Batch*M*N*K < gemmParallelWork {
		workers = 1
	}

	// A batch of many small products: each goroutine takes whole products.
	// A large product is better split by tiles, which shares its packed B
	// and balances the load as the cores' speeds vary.
	if workers > 1 && M*N*K < 16*gemmParallelWork && p.Batch >= workers && (p.Batch%workers == 0 || p.Batch >= 4*workers) {
		cpuTeam.run(workers, func(w int) {
			s := cache.get()
			for n := w * p.Batch / workers; n < (w+1)*p.Batch/workers; n++ {
				op := item(n)
				gemmProduct(k, s, &op, 1)
			}
			cache.put(s)
		})
		return
	}
	s := cache.get()
	for n := range p.Batch {
		op := item(n)
		w := workers
		if M*N*K < gemmParallelWork {
			w = 1
		}
		gemmProduct(k, s, &op, w)
	}
	cache.put(s)
}

// gemmProduct computes one product on workers goroutines sharing s.
func gemmProduct(k *gemmKernel, s *gemmScratch, op *gemmOperands, workers int) {
	// Block sizes no larger than the kernel's, split evenly: 576 columns
	// are two blocks of 288, not 480 and 96.
	kcb := evenBlock(op.K, k.kc, 1)
	mcb := evenBlock(op.M, k.mc, k.mr)
	ncb := evenBlock(op.N, k.nc, k.nr)
	s.a = alignedFloats(s.a, mcb*kcb)
	s.b = alignedFloats(s.b, ncb*kcb)
	for len(s.edge) < workers {
		s.edge = append(s.edge, alignedFloats(nil, k.mr*k.nr))
	}
	for w := range workers {
		s.edge[w] = alignedFloats(s.edge[w], k.mr*k.nr)
	}
	for len(s.views) < workers {
		s.views = append(s.views, nil)
	}
	for len(s.tables) < workers {
		s.tables, s.tableSteps = append(s.tables, [2][]int{}), append(s.tableSteps, [2]int{})
	}
	s.workers = workers
	if len(s.claimed) < workers {
		s.claimed = make([]gemmCount, workers)
	}
	s.claimed = s.claimed[:workers]
	for i := range s.claimed {
		s.claimed[i].Store(0)
	}
	s.next = 0
	if workers == 1 {
		gemmWorker(k, s, op, 0, kcb, mcb, ncb)
		return
	}
	shared := *op // a copy for the goroutines, so that op itself stays on the caller's stack
	cpuTeam.run(workers, func(w int) { gemmWorker(k, s, &shared, w, kcb, mcb, ncb) })
}

// gemmWorker is the loop nest of goroutine w (see the top of this file).
// Each phase — packing a block of op(B), multiplying — hands out its units
// through s.claim and ends at s.barrier, so no goroutine overwrites a block
// that another still reads. A unit of the multiply is one sliver of A times
// all panels of B; the goroutine that takes it packs the sliver first (in
// the first column block), so the sliver is still in its own cache. When
// there are too few slivers to go round, the slivers are packed in a phase
// of their own and a unit is one sliver times a group of panels. A
// sliver is mr rows, or edgeRows where the kernel has edgeI and that
// leaves no ragged rows (sliverSplit); edgeI reads every panel through a
// table of offsets, its own or one of its steps (stepTable).
//
// Operands read in place. Where the kernel has tileS, a full sliver or
// panel of an operand stored as a plain matrix (not gathered, not rounded
// to a lower precision) is not packed: the micro-kernel reads it where it
// is, through its strides (gemmView):
//
//	A stored M×K   sliver rows lda = K apart, steps 1 apart
//	A stored K×M   (TransA) rows 1 apart, steps M apart
//	B stored K×N   panel steps N apart
//
// Packing them copies every value once more, and the A of the first kind
// (the activations of a Linear layer's forward and input-gradient
// products) through a 16×16 transpose: those packs were 12% of the
// samples of a DiT-S/4 step. The micro-kernel broadcasts each step's
// values of A one at a time and loads each step's row of B whole, so it
// reads a stored operand about as fast as a packed one. On the Zen 5
// machine (BenchmarkMatMul, float32) this took DiT-S's qkv product from
// 346 to 362 GFLOP/s, DiT-Tiny's qkv input gradient from 326 to 358 and
// its weight gradient from 290 to 350, and DiT-Mini/4's training step at
// batch 16 from 29.4 to 27.6 ms; DiT-S/4's step at batch 32 stayed where
// it was (1089 and 1085 ms): there the packs mostly waited on memory,
// which the kernel now waits on instead. The short slivers and panels of
// the edges are still packed, padded with zeros, and so is a B stored N×K
// (TransB), whose panel rows would be columns, and an operand whose rows
// are a multiple of 4 KiB apart (aliased).
//
// Gathered operands read in place. A gathered operand (packB: the
// convolution's col matrix) is not a matrix in memory, but its panels may
// be: rows that each lie somewhere, one run of nr floats a row (rowsB,
// read by tileI through a table of offsets). Those are read where they
// lie; the others are gathered into the packed blocks.
func gemmWorker(k *gemmKernel, s *gemmScratch, op *gemmOperands, w, kcb, mcb, ncb int) {
	mr, nr := k.mr, k.nr
	a, b, edge, workers := s.a, s.b, s.edge[w], s.workers // local: see gemmScratch
	plain := k.tileS != nil && op.round == tensor.RoundNone
	storedB := plain && op.packB == nil && !op.transB && !aliased(op.N)
	indirectB := plain && op.rowsB != nil && k.tileI != nil
	for ic := 0; ic < op.M; ic += mcb {
		mc := min(mcb, op.M-ic)
		// Slivers: full ones of mr rows, short ones of edgeRows, then
		// one ragged sliver of the rows left, if any.
		full, short := k.sliverSplit(mc)
		slivers := full + short
		if full*mr+short*k.edgeRows < mc {
			slivers++
		}
		// at returns where sliver i begins in the block, and its rows.
		at := func(i int) (row, h int) {
			switch {
			case i < full:
				return i * mr, mr
			case i < full+short:
				return full*mr + (i-full)*k.edgeRows, k.edgeRows
			}
			row = full*mr + short*k.edgeRows
			return row, mc - row
		}
		few := workers > 1 && slivers < 4*workers
		for pc := 0; pc < op.K; pc += kcb {
			kc := min(kcb, op.K-pc)
			// sliver returns sliver i: in place, or packed into a.
			sliver := func(i int) (view gemmView, packed bool) {
				row, h := at(i)
				row += ic
				// In place where the kernel reads only rows of A: mr,
				// or edgeRows for a sliver of at most edgeRows rows,
				// which gemmTile gives to edgeI.
				reads := mr
				if h <= k.edgeRows && k.edgeI != nil {
					reads = k.edgeRows
				}
				if plain && op.M-row >= reads {
					switch {
					case op.packA == nil && !op.transA && !aliased(op.K):
						return gemmView{x: op.a[row*op.K+pc:], rows: op.K, steps: 1}, false
					case op.packA == nil && op.transA && !aliased(op.M):
						return gemmView{x: op.a[pc*op.M+row:], rows: 1, steps: op.M}, false
					}
				}
				return gemmView{x: a[i*mr*kc : (i+1)*mr*kc], rows: 1, steps: mr}, true
			}
			pack := func(i int) {
				if v, packed := sliver(i); packed {
					row, h := at(i)
					packSliver(k, v.x, op, ic+row, h, pc, kc)
				}
			}
			if few {
				for i := s.claim(w, slivers); i < slivers; i = s.claim(w, slivers) {
					pack(i)
				}
				s.barrier()
			}
			for jc := 0; jc < op.N; jc += ncb {
				nc := min(ncb, op.N-jc)
				panels := ceilDiv(nc, nr)
				// panel returns panel j: in place, or packed into b.
				panel := func(j int) (view gemmView, packed bool) {
					col := jc + j*nr
					if storedB && op.N-col >= nr {
						return gemmView{x: op.b[pc*op.N+col:], steps: op.N}, false
					}
					if indirectB && op.N-col >= nr {
						if x, offs, maxOff := op.rowsB(col, pc, kc); x != nil {
							return gemmView{x: x, offs: offs, maxOff: maxOff}, false
						}
					}
					return gemmView{x: b[j*nr*kc : (j+1)*nr*kc], steps: nr}, true
				}
				for j := s.claim(w, panels); j < panels; j = s.claim(w, panels) {
					if v, packed := panel(j); packed {
						col := jc + j*nr
						packPanel(k, v.x, op, col, min(nr, op.N-col), pc, kc)
					}
				}
				s.barrier()
				// The panels' views, found once for the block's tiles.
				views := s.views[w][:0]
				for j := range panels {
					v, _ := panel(j)
					views = append(views, v)
				}
				s.views[w] = views
				groups := 1
				if few {
					groups = min(panels, ceilDiv(4*workers, slivers))
				}
				perGroup := ceilDiv(panels, groups)
				for u := s.claim(w, slivers*groups); u < slivers*groups; u = s.claim(w, slivers*groups) {
					i, g := u/groups, u%groups
					if !few && jc == 0 {
						pack(i)
					}
					sl, _ := sliver(i)
					row, h := at(i)
					for j := g * perGroup; j < min((g+1)*perGroup, panels); j++ {
						pl := views[j]
						if h <= k.edgeRows && pl.offs == nil && k.edgeI != nil {
							// for the edgeRows-row kernel, which reads
							// B through a table
							pl.offs, pl.maxOff = s.stepTable(w, pl.steps, kc), (kc-1)*pl.steps
						}
						gemmTile(k, op, edge, ic+row, h, jc+j*nr, pc, kc, &sl, &pl)
					}
				}
				s.barrier()
			}
		}
	}
}

// stepTable returns goroutine w's table of kc offsets p·steps: a panel
// stored with steps floats from one step to the next, as the table-driven
// kernel edgeI reads it. A goroutine keeps two tables, for packed panels
// (steps nr) and for one stored operand, so that a product whose panels
// are of both kinds allocates and rewrites none after the first.
func (s *gemmScratch) stepTable(w, steps, kc int) []int {
	i := 0
	if s.tableSteps[w][0] != 0 && s.tableSteps[w][0] != steps {
		i = 1
	}
	t := s.tables[w][i]
	if len(t) < kc || s.tableSteps[w][i] != steps {
		if cap(t) < kc {
			t = make([]int, kc)
		}
		t = t[:max(kc, len(t))]
		for p := range t {
			t[p] = p * steps
		}
		s.tables[w][i], s.tableSteps[w][i] = t, steps
	}
	return t[:kc]
}

// aliased reports whether rows ld floats apart fall on the same few sets
// of the caches (4 KiB apart or a multiple of it), where the lines of a
// sliver's rows or a panel's would evict each other: such operands are
// packed. Read in place, the 1024³ product ran 5% slower than packed.
func aliased(ld int) bool { return ld%1024 == 0 }

// gemmView is a sliver of op(A) or a panel of op(B) as the micro-kernel
// reads it: op(A)[i, p] = x[i*rows + p*steps] for the sliver's rows i,
// op(B)[p, j] = x[p*steps + j] for the panel's columns j, or, with offs,
// x[offs[p] + j] (gemmOperands.rowsB). A packed sliver is {rows 1, steps
// mr}, a packed panel {steps nr}.
type gemmView struct {
	x           []float32
	rows, steps int
	offs        []int
	maxOff      int
}

// gemmTile adds sliver·panel, kc steps of the sum, to the h rows of the
// tile of C at (row, col), with the epilogue of block pc; edge is the
// goroutine's own mr×nr temporary. Packed operands go to k.tile, the
// others to k.tileS, or k.tileI (k.edgeI for a sliver of edgeRows rows)
// when the panel's rows are found through a table.
func gemmTile(k *gemmKernel, op *gemmOperands, edge []float32, row, h, col, pc, kc int, sliver, panel *gemmView) {
	mr, nr, N := k.mr, k.nr, op.N
	load := op.accumulate || pc > 0 // add to C, or overwrite it
	wd := min(nr, N-col)
	var bias []float32 // added once, with the first block
	if pc == 0 && op.bias != nil {
		bias = op.bias[col : col+wd]
	}
	tile := func(c []float32, ldc int, bias []float32, load bool) {
		switch {
		case panel.offs != nil:
			k.tileI(kc, sliver.x, sliver.rows, sliver.steps, panel.x, panel.offs, panel.maxOff, c, ldc, bias, load)
		case sliver.rows == 1 && sliver.steps == mr && panel.steps == nr:
			k.tile(kc, sliver.x, panel.x, c, ldc, bias, load)
		default:
			k.tileS(kc, sliver.x, sliver.rows, sliver.steps, panel.x, panel.steps, c, ldc, bias, load)
		}
	}
	if h == mr && wd == nr {
		tile(op.c[row*N+col:], N, bias, load)
		return
	}
	if h == k.edgeRows && wd == nr && panel.offs != nil && k.edgeI != nil {
		k.edgeI(kc, sliver.x, sliver.rows, sliver.steps, panel.x, panel.offs, panel.maxOff, op.c[row*N+col:], N, bias, load)
		return
	}
	// An edge tile: compute the whole tile into the goroutine's own
	// temporary (only its first edgeRows rows where they hold the tile
	// and the kernel has them), then finish the part inside C as the
	// kernel would.
	if panel.offs != nil && k.edgeI != nil && h <= k.edgeRows {
		k.edgeI(kc, sliver.x, sliver.rows, sliver.steps, panel.x, panel.offs, panel.maxOff, edge, nr, nil, false)
	} else {
		tile(edge, nr, nil, false)
	}
	for i := range h {
		dst, sum := op.c[(row+i)*N+col:][:wd], edge[i*nr:][:wd]
		if bias != nil {
			addRow(k, sum, sum, bias)
		}
		if load {
			addRow(k, dst, sum, dst)
		} else {
			copy(dst, sum)
		}
	}
}

// addRow sets out[j] = a[j] + b[j] (one length), in k's vector loop where
// it has one.
func addRow(k *gemmKernel, out, a, b []float32) {
	a, b = a[:len(out)], b[:len(out)]
	if k.addRow != nil {
		done := k.addRow(out, a, b)
		out, a, b = out[done:], a[done:], b[done:]
	}
	for j := range out {
		out[j] = a[j] + b[j]
	}
}

// sliverSplit returns how gemmWorker cuts a block of mc rows into
// slivers: full slivers of mr rows, then short ones of edgeRows rows, and
// last a ragged sliver of the rows left, if any. Short slivers are cut
// only where the kernel has edgeI (which reads every panel through a
// table: the panel's own, or stepTable's), and only where they leave no
// ragged rows: 64 rows (the U-Net's 64 channels, attention's 64 tokens)
// are four slivers of 12 and two of 8, 64 rows of work, where five of 12
// and a ragged one of 4 cost 68 (or 72 where the ragged sliver ran on the
// 12-row kernel).
func (k *gemmKernel) sliverSplit(mc int) (full, short int) {
	full, rest := mc/k.mr, mc%k.mr
	switch {
	case k.edgeI == nil || rest == 0:
		return full, 0
	case rest%k.edgeRows == 0:
		return full, rest / k.edgeRows
	case full > 0 && (rest+k.mr)%k.edgeRows == 0:
		return full - 1, (rest + k.mr) / k.edgeRows
	}
	return full, 0
}

// evenBlock returns the block size that cuts n into as few blocks of at
// most max as possible, all about the same size, rounded up to a multiple
// of unit (the tile size) but never past max.
func evenBlock(n, max, unit int) int {
	if n <= max {
		return ceilDiv(n, unit) * unit
	}
	return min(ceilDiv(ceilDiv(n, ceilDiv(n, max)), unit)*unit, max)
}

// packSliver packs op(A)[row:row+h, pc:pc+kc] into dst, kc steps of mr
// floats (step p is op(A)[row:row+mr, pc+p]); rows past h are zero. For a
// rounded product they are then rounded (roundPacked).
func packSliver(k *gemmKernel, dst []float32, op *gemmOperands, row, h, pc, kc int) {
	if op.packA != nil {
		op.packA(k, dst, row, h, pc, kc)
	} else if op.transA { // A is stored K×M: each step is a piece of a row of A
		packLanes(k, dst, op.a[pc*op.M+row:], false, op.M, kc, h, k.mr)
	} else { // A is stored M×K: the sliver's lanes are rows of A
		packLanes(k, dst, op.a[row*op.K+pc:], true, op.K, kc, h, k.mr)
	}
	roundPacked(k, dst, op.round, kc, k.mr)
}

// packPanel packs op(B)[pc:pc+kc, col:col+w] into dst, kc rows of nr floats
// (row p is op(B)[pc+p, col:col+nr]); columns past w are zero. For a
// rounded product they are then rounded (roundPacked).
func packPanel(k *gemmKernel, dst []float32, op *gemmOperands, col, w, pc, kc int) {
	if op.packB != nil {
		op.packB(k, dst, col, w, pc, kc)
	} else if op.transB { // B is stored N×K: the panel's columns are rows of B
		packLanes(k, dst, op.b[col*op.K+pc:], true, op.K, kc, w, k.nr)
	} else { // B is stored K×N: the panel's rows are pieces of rows of B
		packLanes(k, dst, op.b[pc*op.N+col:], false, op.N, kc, w, k.nr)
	}
	roundPacked(k, dst, op.round, kc, k.nr)
}

// packLanes writes kc steps of w floats, dst[p*w+i] for p < kc and i < w:
//
//	src[p*lds+i]   (transpose false: each step is a piece of a row of src)
//	src[i*lds+p]   (transpose true:  each lane is a piece of a row of src)
//
// for i < h, and 0 for h ≤ i < w. A kernel's pack16 does it 16 lanes at a
// time in assembly; otherwise plain loops do.
func packLanes(k *gemmKernel, dst, src []float32, transpose bool, lds, kc, h, w int) {
	if k.pack16 != nil {
		for i0 := 0; i0 < w; i0 += 16 {
			lanes := min(16, w-i0)
			valid := max(0, min(h-i0, lanes))
			var from *float32 // nil when no lane of the group is valid
			switch {
			case valid > 0 && transpose:
				from = &src[i0*lds : (i0+valid-1)*lds+kc][0]
			case valid > 0:
				from = &src[i0 : (kc-1)*lds+i0+valid][0]
			}
			k.pack16(&dst[i0 : (kc-1)*w+i0+lanes][0], from, lds, w, kc, valid, lanes, transpose)
		}
		return
	}
	if !transpose {
		for p := range kc {
			d := dst[p*w : (p+1)*w]
			copy(d, src[p*lds:p*lds+h])
			clear(d[h:])
		}
		return
	}
	if h < w {
		clear(dst[:kc*w])
	}
	for i := range h {
		for p, v := range src[i*lds : i*lds+kc] {
			dst[p*w+i] = v
		}
	}
}

// alignedFloats returns buf if it holds n floats, else a new slice of n
// floats whose first element is 64-byte (cache line) aligned.
func alignedFloats(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	raw := make([]float32, n+15)
	off := (64 - int(uintptr(unsafe.Pointer(&raw[0]))%64)) % 64 / 4
	return raw[off : off+n : off+n]
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
