package fastgo

import (
	"runtime"
	"sync"
)

// Panel sizes of the micro-kernel and the depth of one packed block.
const (
	mr = 4
	nr = 16
	kc = 256
)

// sgemm computes c = op(a) * op(b) for row-major c [m x n] (overwritten), with op(a) [m x k]
// and op(b) [k x n]; a is [m x k] (or [k x m] when transA) and b is [k x n] (or [n x k] when
// transB). It packs a k-block of b into 16-column panels and 4-row panels of a, and runs the
// AVX2/FMA micro-kernel over them, splitting row panels across the CPUs.
func sgemm(m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32) {
	clear(c[:m*n])
	if m == 0 || n == 0 || k == 0 {
		return
	}
	nPanels := (n + nr - 1) / nr
	mPanels := (m + mr - 1) / mr
	packedB := getScratch(nPanels * nr * kc)
	defer putScratch(packedB)
	workers := min(runtime.GOMAXPROCS(0), mPanels)
	if m*n*k < 1<<16 {
		workers = 1
	}
	for k0 := 0; k0 < k; k0 += kc {
		kb := min(kc, k-k0)
		packB(packedB, b, transB, k, n, k0, kb, nPanels)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				packedA := getScratch(mr * kb)
				defer putScratch(packedA)
				var tile [mr * nr]float32
				for ip := w; ip < mPanels; ip += workers {
					i0 := ip * mr
					rows := min(mr, m-i0)
					packA(packedA, a, transA, m, k, i0, rows, k0, kb)
					for jp := 0; jp < nPanels; jp++ {
						j0 := jp * nr
						cols := min(nr, n-j0)
						bp := packedB[jp*nr*kb:]
						if rows == mr && cols == nr {
							kern4x16(kb, &packedA[0], &bp[0], &c[i0*n+j0], n)
							continue
						}
						clear(tile[:])
						kern4x16(kb, &packedA[0], &bp[0], &tile[0], nr)
						for i := 0; i < rows; i++ {
							row := c[(i0+i)*n+j0 : (i0+i)*n+j0+cols]
							for j := range row {
								row[j] += tile[i*nr+j]
							}
						}
					}
				}
			}(w)
		}
		wg.Wait()
	}
}

// packB writes rows k0..k0+kb of op(b) as nr-wide column panels, each k-major and zero-padded:
// dst[jp*nr*kb + p*nr + j] = op(b)[k0+p][jp*nr+j].
func packB(dst, b []float32, transB bool, k, n, k0, kb, nPanels int) {
	for jp := 0; jp < nPanels; jp++ {
		panel := dst[jp*nr*kb : (jp+1)*nr*kb]
		j0 := jp * nr
		cols := min(nr, n-j0)
		for p := 0; p < kb; p++ {
			out := panel[p*nr : p*nr+nr]
			if transB { // b is [n x k]
				for j := 0; j < cols; j++ {
					out[j] = b[(j0+j)*k+k0+p]
				}
			} else { // b is [k x n]
				copy(out[:cols], b[(k0+p)*n+j0:(k0+p)*n+j0+cols])
			}
			clear(out[cols:])
		}
	}
}

// packA writes rows i0..i0+rows of op(a), columns k0..k0+kb, as one k-major mr-row panel,
// zero-padded: dst[p*mr + i] = op(a)[i0+i][k0+p].
func packA(dst, a []float32, transA bool, m, k, i0, rows, k0, kb int) {
	dst = dst[:mr*kb]
	if rows < mr {
		clear(dst)
	}
	if transA { // a is [k x m]: row p of the block holds the panel's values contiguously
		for p := 0; p < kb; p++ {
			copy(dst[p*mr:p*mr+rows], a[(k0+p)*m+i0:(k0+p)*m+i0+rows])
		}
		return
	}
	for i := 0; i < rows; i++ { // a is [m x k]: read each row contiguously
		src := a[(i0+i)*k+k0 : (i0+i)*k+k0+kb]
		for p, v := range src {
			dst[p*mr+i] = v
		}
	}
}

// scratch recycles packing buffers: a training step runs thousands of products, and fresh
// buffers for each would keep the garbage collector busy.
var scratch sync.Pool

func getScratch(n int) []float32 {
	if v, ok := scratch.Get().(*[]float32); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]float32, n)
}

func putScratch(s []float32) { scratch.Put(&s) }
