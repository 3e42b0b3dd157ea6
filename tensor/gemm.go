package tensor

import (
	"sync"
	"unsafe"
)

// The fast matmul of FastCPU: a blocked GEMM in the style of BLIS (Goto and
// van de Geijn, "Anatomy of High-Performance Matrix Multiplication", 2008;
// Van Zee and van de Geijn, "BLIS", 2015). It computes what matmulRef
// computes, for float32.
//
// C (M×N) = op(A) (M×K) · op(B) (K×N) is cut into blocks that fit the caches,
// and the innermost work is one register-sized mr×nr tile of C:
//
//	for jc in steps of nc:              columns of C
//	  for pc in steps of kc:            the shared dimension K
//	    pack op(B)[pc:+kc, jc:+nc] into kc×nr panels        (stays in L2/L3)
//	    for ic in steps of mc:          rows of C
//	      pack op(A)[ic:+mc, pc:+kc] into mr×kc slivers     (stays in L2)
//	      for jr in steps of nr:        one kc×nr panel     (stays in L1)
//	        for ir in steps of mr:      one mr×kc sliver
//	          C[ic+ir:+mr, jc+jr:+nr] (+)= sliver · panel   (the micro-kernel)
//
// Packing copies each block once into the order in which the micro-kernel
// reads it: a panel holds, for each p, the nr values op(B)[pc+p, j..j+nr),
// and a sliver holds, for each p, the mr values op(A)[i..i+mr, pc+p]. The
// packing reads A or B in whichever layout they are stored (TransA, TransB),
// so transposed operands cost nothing extra, and it pads the last panel and
// sliver with zeros so that the micro-kernel never needs a short form. Tiles
// that stick out of C are computed into a small temporary and copied.
//
// The epilogue follows matmulRef: the first kc block (pc = 0) writes
// sum + bias, or adds it to C with Accumulate; later blocks add to C.
//
// Work is split over goroutines in whole tiles, or whole products of a
// batch, so that every element of C is computed by one goroutine. Every
// element is summed in the same order (kc blocks in turn, each in the
// micro-kernel's order) however the work is split, so results do not depend
// on GOMAXPROCS or on timing.

// gemmParallelWork is the M·N·K of one product below which splitting it
// over goroutines costs more than it saves.
const gemmParallelWork = 1 << 18

// gemmOperands is one product of a batch: out[M×N] (+)= op(a) · op(b) + bias.
type gemmOperands struct {
	c, a, b, bias              []float32
	M, N, K                    int
	transA, transB, accumulate bool
}

// gemmScratch holds one goroutine's packing buffers; they are kept in a
// sync.Pool so that a steady stream of matmuls allocates nothing.
type gemmScratch struct {
	a    []float32 // mc×kc of op(A): mr×kc slivers
	b    []float32 // kc×nc of op(B): kc×nr panels
	edge []float32 // one mr×nr tile, for tiles that stick out of C
}

var gemmScratchPool = sync.Pool{New: func() any { return new(gemmScratch) }}

// gemm computes matmulRef(out, a, b, bias, p) with micro-kernel k, on up to
// workers goroutines.
func gemm(k *gemmKernel, out, a, b, bias []float32, p MatMulArgs, workers int) {
	M, N, K := p.M, p.N, p.K
	if M == 0 || N == 0 || p.Batch == 0 {
		return
	}
	if K == 0 { // C is just (C +) bias: nothing to block
		matmulRef(out, a, b, bias, p)
		return
	}
	item := func(n int) gemmOperands {
		return gemmOperands{
			c: out[n*M*N : (n+1)*M*N], a: a[n*M*K : (n+1)*M*K], b: b[n*K*N : (n+1)*K*N], bias: bias,
			M: M, N: N, K: K, transA: p.TransA, transB: p.TransB, accumulate: p.Accumulate,
		}
	}
	if p.Batch*M*N*K < gemmParallelWork {
		workers = 1
	}

	// A batch of many products: each goroutine takes whole products.
	if workers > 1 && p.Batch >= workers && (p.Batch%workers == 0 || p.Batch >= 4*workers) {
		runWorkers(workers, func(w int) {
			s := gemmScratchPool.Get().(*gemmScratch)
			for n := w * p.Batch / workers; n < (w+1)*p.Batch/workers; n++ {
				op := item(n)
				gemmBlock(k, s, &op, 0, M, 0, N)
			}
			gemmScratchPool.Put(s)
		})
		return
	}

	// Otherwise each product is split in whole tiles along its longer side.
	// Splitting the rows makes every goroutine pack all of op(B), splitting
	// the columns all of op(A); the shorter side's operand is the smaller.
	for n := range p.Batch {
		op := item(n)
		tilesM, tilesN := ceilDiv(M, k.mr), ceilDiv(N, k.nr)
		splitRows := M >= N
		tiles := tilesN
		if splitRows {
			tiles = tilesM
		}
		w := min(workers, tiles)
		if M*N*K < gemmParallelWork {
			w = 1
		}
		runWorkers(w, func(i int) {
			lo, hi := i*tiles/w, (i+1)*tiles/w
			s := gemmScratchPool.Get().(*gemmScratch)
			if splitRows {
				gemmBlock(k, s, &op, lo*k.mr, min(hi*k.mr, M), 0, N)
			} else {
				gemmBlock(k, s, &op, 0, M, lo*k.nr, min(hi*k.nr, N))
			}
			gemmScratchPool.Put(s)
		})
	}
}

// runWorkers calls body(0), ..., body(n-1) at the same time, body(0) on the
// calling goroutine, and returns when all have returned.
func runWorkers(n int, body func(w int)) {
	if n <= 1 {
		body(0)
		return
	}
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

// gemmBlock computes the rows [m0, m1) and columns [n0, n1) of one product,
// with m0 and n0 on tile boundaries.
func gemmBlock(k *gemmKernel, s *gemmScratch, op *gemmOperands, m0, m1, n0, n1 int) {
	mr, nr := k.mr, k.nr
	kcMax, mcMax, ncMax := min(k.kc, op.K), min(k.mc, m1-m0), min(k.nc, n1-n0)
	s.a = alignedFloats(s.a, ceilDiv(mcMax, mr)*mr*kcMax)
	s.b = alignedFloats(s.b, ceilDiv(ncMax, nr)*nr*kcMax)
	s.edge = alignedFloats(s.edge, mr*nr)
	N := op.N

	for jc := n0; jc < n1; jc += k.nc {
		nc := min(k.nc, n1-jc)
		for pc := 0; pc < op.K; pc += k.kc {
			kc := min(k.kc, op.K-pc)
			packB(s.b, op, nr, pc, kc, jc, nc)
			load := op.accumulate || pc > 0 // add to C, or overwrite it
			var bias []float32              // added once, with the first block
			if pc == 0 && op.bias != nil {
				bias = op.bias
			}
			for ic := m0; ic < m1; ic += k.mc {
				mc := min(k.mc, m1-ic)
				packA(s.a, op, mr, ic, mc, pc, kc)
				for jr := 0; jr < nc; jr += nr {
					panel := s.b[jr*kc : (jr+nr)*kc]
					col, w := jc+jr, min(nr, nc-jr)
					var tileBias []float32
					if bias != nil {
						tileBias = bias[col : col+w]
					}
					for ir := 0; ir < mc; ir += mr {
						sliver := s.a[ir*kc : (ir+mr)*kc]
						row, h := ic+ir, min(mr, mc-ir)
						if h == mr && w == nr {
							k.tile(kc, sliver, panel, op.c[row*N+col:], N, tileBias, load)
							continue
						}
						// An edge tile: compute the whole tile into s.edge,
						// then finish the part inside C as the kernel would.
						k.tile(kc, sliver, panel, s.edge, nr, nil, false)
						for i := range h {
							dst, sum := op.c[(row+i)*N+col:][:w], s.edge[i*nr:][:w]
							for j, v := range sum {
								if tileBias != nil {
									v += tileBias[j]
								}
								if load {
									v += dst[j]
								}
								dst[j] = v
							}
						}
					}
				}
			}
		}
	}
}

// packB packs op(B)[pc:pc+kc, jc:jc+nc] into dst as ⌈nc/nr⌉ panels, each kc
// rows of nr floats; columns past nc are zero.
func packB(dst []float32, op *gemmOperands, nr, pc, kc, jc, nc int) {
	N, K := op.N, op.K
	for jr := 0; jr < nc; jr += nr {
		panel := dst[jr*kc : (jr+nr)*kc]
		col, w := jc+jr, min(nr, nc-jr)
		if !op.transB {
			// B is stored K×N: row p of the panel is part of row pc+p of B.
			for p := range kc {
				d := panel[p*nr : (p+1)*nr]
				copy(d, op.b[(pc+p)*N+col:][:w])
				clear(d[w:])
			}
			continue
		}
		// B is stored N×K: column j of the panel is part of row col+j.
		if w < nr {
			clear(panel)
		}
		for j := range w {
			src := op.b[(col+j)*K+pc:][:kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
	}
}

// packA packs op(A)[ic:ic+mc, pc:pc+kc] into dst as ⌈mc/mr⌉ slivers, each kc
// steps of mr floats; rows past mc are zero.
func packA(dst []float32, op *gemmOperands, mr, ic, mc, pc, kc int) {
	M, K := op.M, op.K
	for ir := 0; ir < mc; ir += mr {
		sliver := dst[ir*kc : (ir+mr)*kc]
		row, h := ic+ir, min(mr, mc-ir)
		if op.transA {
			// A is stored K×M: step p of the sliver is part of row pc+p.
			for p := range kc {
				d := sliver[p*mr : (p+1)*mr]
				copy(d, op.a[(pc+p)*M+row:][:h])
				clear(d[h:])
			}
			continue
		}
		// A is stored M×K: row i of the sliver is part of row row+i of A.
		if h < mr {
			clear(sliver)
		}
		for i := range h {
			src := op.a[(row+i)*K+pc:][:kc]
			for p, v := range src {
				sliver[p*mr+i] = v
			}
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
