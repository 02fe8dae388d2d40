package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestParallelForCoversOnce checks that every index is visited exactly once, in the same
// chunks whichever goroutines run them, for calls from one goroutine, from several at once,
// from inside another call (nested), and across GOMAXPROCS changes (Errorf, not Fatalf: the
// check also runs on other goroutines).
func TestParallelForCoversOnce(t *testing.T) {
	check := func(t *testing.T, n, grain int) {
		t.Helper()
		hits := make([]atomic.Int32, n)
		var mu sync.Mutex
		chunks := map[[2]int]bool{}
		ParallelFor(n, grain, func(lo, hi int) {
			mu.Lock()
			chunks[[2]int{lo, hi}] = true
			mu.Unlock()
			for i := lo; i < hi; i++ {
				hits[i].Add(1)
			}
		})
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Errorf("n=%d grain=%d: index %d visited %d times", n, grain, i, h)
				return
			}
		}
		workers := max(1, min(runtime.GOMAXPROCS(0), n/max(grain, 1)))
		chunk := (n + workers - 1) / max(workers, 1)
		for lo := 0; lo < n; lo += chunk {
			if !chunks[[2]int{lo, min(lo+chunk, n)}] {
				t.Errorf("n=%d grain=%d: chunk [%d, %d) missing from %v", n, grain, lo, min(lo+chunk, n), chunks)
				return
			}
		}
	}
	for _, procs := range []int{1, 2, 3, 8} {
		prev := runtime.GOMAXPROCS(procs)
		for _, s := range [][2]int{{0, 1}, {1, 1}, {7, 1}, {100, 1}, {1000, 64}, {100003, 1 << 10}} {
			check(t, s[0], s[1])
		}
		// Several callers at once, and calls nested in a call's chunks.
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Go(func() {
				for range 50 {
					check(t, 5000, 16)
				}
			})
		}
		ParallelFor(8, 1, func(lo, hi int) {
			for range hi - lo {
				check(t, 3000, 8)
			}
		})
		wg.Wait()
		runtime.GOMAXPROCS(prev)
	}
}
