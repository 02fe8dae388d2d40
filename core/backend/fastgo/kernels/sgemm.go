package kernels

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var impl gonum.Implementation

// panelBytes bounds one packed panel of B (nr columns x one block of depth): 128 KiB, which
// stays in the L2 cache while the row panels of A stream past it. Measured on one core of an
// AVX-512 Xeon (go test -cpu 1 -bench Sgemm): the 32768x64x576 convolution product ran at
// 102 GFLOP/s with 128 KiB panels and 84-87 with 32 KiB, 2048x256x2304 at 164 and 140-145;
// the smaller products were within noise.
const panelBytes = 128 << 10

// blockDepth is the depth of each packed block for a product of depth k on nr-column panels:
// at most panelBytes per panel, the blocks of equal size.
func blockDepth(k, nr int) int {
	most := panelBytes / 4 / nr
	blocks := (k + most - 1) / most
	return (k + blocks - 1) / blocks
}

// A microKernel computes C[mr x nr] = A[mr x k] * B[k x nr] (or C += with acc) with B packed
// k-major (nr values per depth) and C row-major with a stride of ldc floats. rows reads row i of A at
// a + i*lda (its k values contiguous), cols reads column p of A at a + p*lda (its mr values
// contiguous); see internal/kernelgen, which writes them.
type microKernel struct {
	name, desc string
	supported  bool
	mr, nr     int
	rows, cols func(k int, a *float32, lda int, b, c *float32, ldc int, acc bool)
	// narrow, if set, is the same kernel with fewer columns, for products with few of them.
	narrow *microKernel
}

// active is the SGEMM path this process uses (nil: gonum's pure-Go SGEMM), chosen once at
// start-up from the CPU and DAST_SGEMM; kernelNote says why when a request was not honoured.
var active, kernelNote = chooseKernel(os.Getenv("DAST_SGEMM"))

// chooseKernel picks the SGEMM path: the fastest one the CPU runs, or the one req names
// ("avx512", "avx2", "gonum"; "" and "auto" mean the fastest).
func chooseKernel(req string) (*microKernel, string) {
	req = strings.ToLower(strings.TrimSpace(req))
	best := func() *microKernel {
		for _, k := range kernels {
			if k.supported {
				return k
			}
		}
		return nil
	}
	switch req {
	case "", "auto":
		return best(), ""
	case "gonum", "go":
		return nil, ""
	}
	for _, k := range kernels {
		if k.name == req {
			if k.supported {
				return k, ""
			}
			return best(), fmt.Sprintf("DAST_SGEMM=%s: this CPU cannot run it, using %s", req, nameOf(best()))
		}
	}
	return best(), fmt.Sprintf("DAST_SGEMM=%s is not one of %s, using %s", req, strings.Join(Names(), ", "), nameOf(best()))
}

func nameOf(k *microKernel) string {
	if k == nil {
		return "gonum"
	}
	return k.name
}

// Name names the SGEMM path of this process: "avx512", "avx2" or "gonum" (gonum's
// pure-Go SGEMM, on CPUs without AVX2/FMA or with DAST_SGEMM=gonum).
func Name() string { return nameOf(active) }

// Names lists every SGEMM path this build knows, fastest first, whether or not this CPU
// runs it.
func Names() []string {
	var names []string
	for _, k := range kernels {
		names = append(names, k.name)
	}
	return append(names, "gonum")
}

// Supported reports whether this CPU runs the named SGEMM path.
func Supported(name string) bool {
	if name == "gonum" {
		return true
	}
	for _, k := range kernels {
		if k.name == name {
			return k.supported
		}
	}
	return false
}

// kernelByName returns the named path's kernel (nil for gonum), or false when this CPU cannot
// run it.
func kernelByName(name string) (*microKernel, bool) {
	if name == "gonum" {
		return nil, true
	}
	for _, k := range kernels {
		if k.name == name && k.supported {
			return k, true
		}
	}
	return nil, false
}

// forProduct returns the kernel variant that wastes the least work on zero-padded columns for
// a product with n columns (the narrow variant runs at about 90% of the wide one's speed).
func (kern *microKernel) forProduct(n int) *microKernel {
	nw := kern.narrow
	if nw == nil {
		return kern
	}
	wide := (n + kern.nr - 1) / kern.nr * kern.nr
	narrow := (n + nw.nr - 1) / nw.nr * nw.nr
	if float64(narrow)*1.1 < float64(wide) {
		return nw
	}
	return kern
}

// Active reports whether one of the SIMD SGEMM kernels (AVX-512 or AVX2/FMA) computes Sgemm
// in this process.
func Active() bool { return active != nil }

// Note says why a DAST_SGEMM request was not honoured ("" when it was, or none was made).
func Note() string { return kernelNote }

// Sgemm computes c = op(a) * op(b) for row-major c [m x n] (overwritten), with op(a) [m x k]
// and op(b) [k x n]; a is [m x k] (or [k x m] when transA) and b is [k x n] (or [n x k] when
// transB), on this process's kernel, or gonum's pure-Go SGEMM where there is none.
func Sgemm(m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32) {
	if active == nil {
		gonumSgemm(m, n, k, a, transA, b, transB, c)
		return
	}
	sgemmWith(active, m, n, k, a, transA, b, transB, c)
}

// gonumSgemm is Sgemm on gonum's pure-Go SGEMM.
func gonumSgemm(m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32) {
	ta, tb := blas.NoTrans, blas.NoTrans
	lda, ldb := k, n
	if transA {
		ta, lda = blas.Trans, m
	}
	if transB {
		tb, ldb = blas.Trans, k
	}
	impl.Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n)
}

// sgemmWith is sgemm on the given kernel. Products of great depth with a small result (a
// convolution's weight gradient) are split into depth slices (see depthSlices); the others
// run as one blocked product whose row panels are split across the CPUs.
func sgemmWith(kern *microKernel, m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32) {
	if m == 0 || n == 0 || k == 0 {
		clear(c[:m*n])
		return
	}
	// Only a product a^T * b can be cut by depth: a slice's rows of a and of b are contiguous.
	sliceable := transA && !transB
	product(m, n, k, sliceable, c, func(workers, k0, k1 int, part []float32) {
		ak, bk := a, b
		if sliceable {
			ak, bk = a[k0*m:k1*m], b[k0*n:k1*n]
		}
		sgemmBlocked(kern, workers, m, n, k1-k0, ak, transA, nil, bk, transB, part)
	})
}

// product computes an m x n result c of depth k with run, which multiplies depths k0..k1 into
// part on up to workers goroutines. A sliceable product that depthSlices cuts runs as depth
// slices, one CPU each, summed in slice order (sumSlices); any other runs whole, its row
// panels split across the CPUs (a small one on one). Sgemm and the convolutions' kernel
// gradient share it.
func product(m, n, k int, sliceable bool, c []float32, run func(workers, k0, k1 int, part []float32)) {
	if s := depthSlices(m, n, k); s > 1 && sliceable {
		sumSlices(s, m*n, c, func(i int, part []float32) { run(1, i*k/s, (i+1)*k/s, part) })
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if m*n*k < 1<<16 {
		workers = 1
	}
	run(workers, 0, k, c)
}

// sliceDepth is the depth of one slice of a depth-sliced product.
const sliceDepth = 4096

// depthSlices is the number of depth slices for an m x n x k product: more than one when the
// depth holds at least two slices and the result is small (at most 512 KiB), so that its few
// row panels would leave CPUs idle or synchronise once per depth block. The count depends on
// the shape only, never on the number of CPUs, so results are the same bits on every machine.
func depthSlices(m, n, k int) int {
	if m*n > 1<<17 || k < 2*sliceDepth {
		return 1
	}
	return min(k/sliceDepth, 16)
}

// sumSlices sets c (mn values) to the sum of s partial results, slice(i, part) writing the i-th
// into part: each slice runs on one CPU with its own result, and the results are added in slice
// order, so the bits do not depend on the number of CPUs.
func sumSlices(s, mn int, c []float32, slice func(i int, part []float32)) {
	parts := make([][]float32, s)
	parts[0] = c[:mn]
	for i := 1; i < s; i++ {
		parts[i] = GetScratch(mn)
		defer PutScratch(parts[i])
	}
	ParallelFor(s, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			slice(i, parts[i])
		}
	})
	ParallelFor(mn, GrainFloats, func(lo, hi int) {
		dst := c[lo:hi]
		for _, p := range parts[1:] {
			src := p[lo:hi]
			h := VecHead(dst, dst, src, backends.OpTypeAdd)
			for j := h; j < len(dst); j++ {
				dst[j] += src[j]
			}
		}
	})
}

// packFunc writes depths lo..hi-1 of the depth block k0..k0+kb of a transposed a ([k x m]) as
// k-major mr-row panels, zero-padded: dst[ip*mr*kb + p*mr + i] = a[k0+p][ip*mr + i] (see
// packATransposed, which reads a from memory; a convolution's weight gradient gathers it from
// the image instead).
type packFunc func(dst []float32, k0, kb, lo, hi, mr int)

// sgemmBlocked packs a k-block of b into nr-column panels and runs the micro-kernel over
// mr-row panels of a, read in place where the kernel can (full panels) and packed otherwise,
// splitting the row panels across up to workers goroutines. With packT set, op(a) is the
// transposed matrix it packs (a is not read) and every depth block is packed whole.
func sgemmBlocked(kern *microKernel, workers, m, n, k int, a []float32, transA bool, packT packFunc, b []float32, transB bool, c []float32) {
	kern = kern.forProduct(n)
	mr, nr := kern.mr, kern.nr
	nPanels := (n + nr - 1) / nr
	mPanels := (m + mr - 1) / mr
	packAll := packT != nil || transA && k >= packAllDepth
	if packT == nil && packAll {
		packT = func(dst []float32, k0, kb, lo, hi, mr int) { packATransposed(dst, a, m, k0, kb, lo, hi, mr) }
	}
	kc := blockDepth(k, nr)
	if packAll { // keep the packed block of a within packedABytes
		kc = min(kc, max(64, packedABytes/4/(mPanels*mr)))
	}
	packedB := GetScratch(nPanels * nr * kc)
	defer PutScratch(packedB)
	// Work items are row panels, each split into column chunks when there are too few row
	// panels to keep every worker busy.
	colChunks := 1
	if mPanels < 2*workers {
		colChunks = min(nPanels, (2*workers+mPanels-1)/mPanels)
	}
	items := mPanels * colChunks
	workers = min(workers, items)
	// A transposed a of great depth (a convolution's weight gradient: a is the im2col patches)
	// is packed whole per depth block, reading its rows front to back, instead of being read
	// in place a few values per row by every row panel.
	var packedAll []float32
	if packAll {
		packedAll = GetScratch(mPanels * mr * kc)
		defer PutScratch(packedAll)
	}
	for k0 := 0; k0 < k; k0 += kc {
		kb := min(kc, k-k0)
		acc := k0 > 0 // the first depth block overwrites c, the others add to it
		packB(packedB, b, transB, k, n, k0, kb, nPanels, nr)
		switch {
		case packedAll != nil && workers > 1:
			ParallelFor(kb, 64, func(lo, hi int) { packT(packedAll, k0, kb, lo, hi, mr) })
		case packedAll != nil:
			packT(packedAll, k0, kb, 0, kb, mr)
		}
		panels := func(w int) {
			var packedA []float32
			var tile [12 * 32]float32
			for item := w; item < items; item += workers {
				ip, chunk := item/colChunks, item%colChunks
				i0 := ip * mr
				rows := min(mr, m-i0)
				var ap *float32
				var lda int
				f := kern.cols
				switch {
				case packedAll != nil:
					ap, lda = &packedAll[ip*mr*kb], mr
				case rows == mr && !transA: // row i0+i of a at a[(i0+i)*k + k0]
					ap, lda, f = &a[i0*k+k0], k, kern.rows
				case rows == mr: // a is [k x m]: column k0+p of the panel at a[(k0+p)*m + i0]
					ap, lda = &a[k0*m+i0], m
				default:
					if packedA == nil {
						packedA = GetScratch(mr * kc)
						defer PutScratch(packedA)
					}
					packA(packedA, a, transA, m, k, i0, rows, k0, kb, mr)
					ap, lda = &packedA[0], mr
				}
				for jp := chunk * nPanels / colChunks; jp < (chunk+1)*nPanels/colChunks; jp++ {
					j0 := jp * nr
					cols := min(nr, n-j0)
					runTile(f, kb, ap, lda, &packedB[jp*nr*kb], c[i0*n+j0:], n, rows, cols, mr, nr, acc, &tile)
				}
			}
		}
		if workers == 1 {
			panels(0)
			continue
		}
		ParallelFor(workers, 1, func(lo, hi int) {
			for w := lo; w < hi; w++ {
				panels(w)
			}
		})
	}
}

// runTile runs the micro-kernel f for the rows x cols block of c at c[0] (row stride ldc):
// in place when the block is a whole mr x nr tile, else through tile, whose first rows and
// columns are then written (acc false) or added (acc true) to c.
func runTile(f func(k int, a *float32, lda int, b, c *float32, ldc int, acc bool), k int, a *float32, lda int, b *float32,
	c []float32, ldc, rows, cols, mr, nr int, acc bool, tile *[12 * 32]float32) {
	if rows == mr && cols == nr {
		f(k, a, lda, b, &c[0], ldc, acc)
		return
	}
	t := tile[:mr*nr]
	f(k, a, lda, b, &t[0], nr, false)
	for i := 0; i < rows; i++ {
		row := c[i*ldc : i*ldc+cols]
		if !acc {
			copy(row, t[i*nr:i*nr+cols])
			continue
		}
		src := t[i*nr : i*nr+cols]
		h := VecHead(row, row, src, backends.OpTypeAdd)
		for j := h; j < cols; j++ {
			row[j] += src[j]
		}
	}
}

// packedABytes bounds a transposed a's packed depth block (see sgemmWith): it stays in the
// L2 cache (1-2 MiB per core on current x86 server cores) while every column panel of b
// passes over it.
const packedABytes = 512 << 10

// packAllDepth is the depth from which a transposed a is packed whole (see sgemmWith).
const packAllDepth = 1024

// packATransposed writes depths lo..hi-1 of block k0..k0+kb of a transposed a ([k x m]) as
// k-major mr-row panels, zero-padded: dst[ip*mr*kb + p*mr + i] = a[(k0+p)*m + ip*mr + i].
func packATransposed(dst, a []float32, m, k0, kb, lo, hi, mr int) {
	full := m / mr // panels of mr rows; a last partial one is zero-padded
	for p := lo; p < hi; p++ {
		src := a[(k0+p)*m : (k0+p+1)*m]
		spreadPanels(dst[p*mr:], src, full, mr, mr*kb)
		if full*mr < m {
			out := dst[full*mr*kb+p*mr : full*mr*kb+p*mr+mr]
			clear(out[copy(out, src[full*mr:]):])
		}
	}
}

// packB writes rows k0..k0+kb of op(b) as nr-wide column panels, each k-major and zero-padded:
// dst[jp*nr*kb + p*nr + j] = op(b)[k0+p][jp*nr+j].
func packB(dst, b []float32, transB bool, k, n, k0, kb, nPanels, nr int) {
	for jp := 0; jp < nPanels; jp++ {
		panel := dst[jp*nr*kb : (jp+1)*nr*kb]
		j0 := jp * nr
		cols := min(nr, n-j0)
		if transB { // b is [n x k]: read each of the panel's rows of b contiguously
			if cols < nr {
				clear(panel)
			}
			for j := 0; j < cols; j++ {
				src := b[(j0+j)*k+k0 : (j0+j)*k+k0+kb]
				for p, v := range src {
					panel[p*nr+j] = v
				}
			}
			continue
		}
		for p := 0; p < kb; p++ { // b is [k x n]
			out := panel[p*nr : p*nr+nr]
			copy(out[:cols], b[(k0+p)*n+j0:(k0+p)*n+j0+cols])
			clear(out[cols:])
		}
	}
}

// packA writes rows i0..i0+rows of op(a), columns k0..k0+kb, as one k-major mr-row panel,
// zero-padded: dst[p*mr + i] = op(a)[i0+i][k0+p].
func packA(dst, a []float32, transA bool, m, k, i0, rows, k0, kb, mr int) {
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

func GetScratch(n int) []float32 {
	if v, ok := scratch.Get().(*[]float32); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]float32, n)
}

func PutScratch(s []float32) { scratch.Put(&s) }
