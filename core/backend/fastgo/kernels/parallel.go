package kernels

import (
	"runtime"
	"sync"
)

// ParallelFor calls f on contiguous chunks [lo, hi) that together cover [0, n), on up to
// GOMAXPROCS goroutines (the caller's among them). Chunks hold at least grain items, so small
// ops stay on one goroutine: starting one costs about a microsecond, the time to stream some
// 10^4 floats.
func ParallelFor(n, grain int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		wg.Go(func() { f(lo, min(lo+chunk, n)) })
	}
	f(0, min(chunk, n))
	wg.Wait()
}

// GrainFloats is ParallelFor's grain for streaming float32 work.
const GrainFloats = 1 << 14
