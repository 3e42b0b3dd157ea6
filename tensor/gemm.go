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
			c: out[n*M*N : (n+1)*M*N : (n+1)*M*N], a: a[n*M*K : (n+1)*M*K : (n+1)*M*K], b: b[n*K*N : (n+1)*K*N : (n+1)*K*N], bias: bias,
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
	kcMax, mcMax, ncMax := min(k.kc, op.K), min(k.mc, m1-m0), min(k.nc, n1-n0)
	s.a = alignedFloats(s.a, ceilDiv(mcMax, k.mr)*k.mr*kcMax)
	s.b = alignedFloats(s.b, ceilDiv(ncMax, k.nr)*k.nr*kcMax)
	s.edge = alignedFloats(s.edge, k.mr*k.nr)

	if k.order == 1 {
		for ic := m0; ic < m1; ic += k.mc {
			mc := min(k.mc, m1-ic)
			for pc := 0; pc < op.K; pc += k.kc {
				kc := min(k.kc, op.K-pc)
				packA(k, s.a, op, ic, mc, pc, kc)
				for jc := n0; jc < n1; jc += k.nc {
					nc := min(k.nc, n1-jc)
					packB(k, s.b, op, pc, kc, jc, nc)
					gemmMacro(k, s, op, ic, mc, pc, kc, jc, nc)
				}
			}
		}
		return
	}
	for jc := n0; jc < n1; jc += k.nc {
		nc := min(k.nc, n1-jc)
		for pc := 0; pc < op.K; pc += k.kc {
			kc := min(k.kc, op.K-pc)
			packB(k, s.b, op, pc, kc, jc, nc)
			for ic := m0; ic < m1; ic += k.mc {
				mc := min(k.mc, m1-ic)
				packA(k, s.a, op, ic, mc, pc, kc)
				gemmMacro(k, s, op, ic, mc, pc, kc, jc, nc)
			}
		}
	}
}

// gemmMacro multiplies the packed blocks s.a (op(A)[ic:+mc, pc:+kc]) and
// s.b (op(B)[pc:+kc, jc:+nc]) into C[ic:+mc, jc:+nc], tile by tile.
func gemmMacro(k *gemmKernel, s *gemmScratch, op *gemmOperands, ic, mc, pc, kc, jc, nc int) {
	mr, nr, N := k.mr, k.nr, op.N
	load := op.accumulate || pc > 0 // add to C, or overwrite it
	var bias []float32              // added once, with the first block
	if pc == 0 && op.bias != nil {
		bias = op.bias
	}
	tile := func(ir, jr int) {
		panel := s.b[jr*kc : (jr+nr)*kc]
		sliver := s.a[ir*kc : (ir+mr)*kc]
		row, h := ic+ir, min(mr, mc-ir)
		col, w := jc+jr, min(nr, nc-jr)
		var tileBias []float32
		if bias != nil {
			tileBias = bias[col : col+w]
		}
		if h == mr && w == nr {
			k.tile(kc, sliver, panel, op.c[row*N+col:], N, tileBias, load)
			return
		}
		// An edge tile: compute the whole tile into s.edge, then finish
		// the part inside C as the kernel would.
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
	if k.order == 1 {
		for ir := 0; ir < mc; ir += mr {
			for jr := 0; jr < nc; jr += nr {
				tile(ir, jr)
			}
		}
		return
	}
	for jr := 0; jr < nc; jr += nr {
		for ir := 0; ir < mc; ir += mr {
			tile(ir, jr)
		}
	}
}

// packB packs op(B)[pc:pc+kc, jc:jc+nc] into dst as ⌈nc/nr⌉ panels, each kc
// rows of nr floats (step p of the panel is op(B)[pc+p, col:col+nr]);
// columns past nc are zero.
func packB(k *gemmKernel, dst []float32, op *gemmOperands, pc, kc, jc, nc int) {
	nr := k.nr
	for jr := 0; jr < nc; jr += nr {
		panel := dst[jr*kc : (jr+nr)*kc]
		col, w := jc+jr, min(nr, nc-jr)
		if op.transB { // B is stored N×K: the panel's columns are rows of B
			packPanel(k, panel, op.b[col*op.K+pc:], true, op.K, kc, w, nr)
		} else { // B is stored K×N: the panel's rows are pieces of rows of B
			packPanel(k, panel, op.b[pc*op.N+col:], false, op.N, kc, w, nr)
		}
	}
}

// packA packs op(A)[ic:ic+mc, pc:pc+kc] into dst as ⌈mc/mr⌉ slivers, each kc
// steps of mr floats (step p of the sliver is op(A)[row:row+mr, pc+p]);
// rows past mc are zero.
func packA(k *gemmKernel, dst []float32, op *gemmOperands, ic, mc, pc, kc int) {
	mr := k.mr
	for ir := 0; ir < mc; ir += mr {
		sliver := dst[ir*kc : (ir+mr)*kc]
		row, h := ic+ir, min(mr, mc-ir)
		if op.transA { // A is stored K×M: each step is a piece of a row of A
			packPanel(k, sliver, op.a[pc*op.M+row:], false, op.M, kc, h, mr)
		} else { // A is stored M×K: the sliver's lanes are rows of A
			packPanel(k, sliver, op.a[row*op.K+pc:], true, op.K, kc, h, mr)
		}
	}
}

// packPanel writes kc steps of w floats, dst[p*w+i] for p < kc and i < w:
//
//	src[p*lds+i]   (transpose false: each step is a piece of a row of src)
//	src[i*lds+p]   (transpose true:  each lane is a piece of a row of src)
//
// for i < h, and 0 for h ≤ i < w. A kernel's pack16 does it 16 lanes at a
// time in assembly; otherwise plain loops do.
func packPanel(k *gemmKernel, dst, src []float32, transpose bool, lds, kc, h, w int) {
	if k.pack16 != nil {
		for i0 := 0; i0 < w; i0 += 16 {
			lanes := min(16, w-i0)
			hh := max(0, min(h-i0, lanes)) // valid lanes in this group
			var s *float32
			switch {
			case hh > 0 && transpose:
				s = &src[i0*lds : (i0+hh-1)*lds+kc][0]
			case hh > 0:
				s = &src[i0 : (kc-1)*lds+i0+hh][0]
			}
			k.pack16(&dst[i0 : (kc-1)*w+i0+lanes][0], s, lds, w, kc, hh, lanes, transpose)
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
