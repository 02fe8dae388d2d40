package fastgo

import (
	"runtime"
	"sync"
)

// parallelFor calls f on contiguous chunks [lo, hi) that together cover [0, n), on up to
// GOMAXPROCS goroutines (the caller's among them). Chunks hold at least grain items, so small
// ops stay on one goroutine: starting one costs about a microsecond, the time to stream some
// 10^4 floats.
func parallelFor(n, grain int, f func(lo, hi int)) {
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

// grainFloats is parallelFor's grain for streaming float32 work.
const grainFloats = 1 << 14

// rowGrain is the grain in rows of length inner that holds about grainFloats values.
func rowGrain(inner int) int { return max(1, grainFloats/max(inner, 1)) }

// rowOffset is the flat offset, under the given strides, of the first element of row r of a
// row-major iteration over dims whose last axis is the row.
func rowOffset(r int, dims, strides []int) int {
	o := 0
	for a := len(dims) - 2; a >= 0; a-- {
		o += (r % dims[a]) * strides[a]
		r /= dims[a]
	}
	return o
}

// forRows calls f for rows first..last-1 of a row-major iteration over dims (the last axis is
// the row) with each operand's flat offset of the row's first element under its strides,
// stepping the offsets incrementally instead of recomputing them per row.
func forRows(dims []int, strides [][]int, first, last int, f func(row int, offs []int)) {
	r := len(dims)
	idx := make([]int, r)
	rem := first
	for a := r - 2; a >= 0; a-- {
		idx[a] = rem % dims[a]
		rem /= dims[a]
	}
	offs := make([]int, len(strides))
	for i, st := range strides {
		offs[i] = rowOffset(first, dims, st)
	}
	for row := first; row < last; row++ {
		f(row, offs)
		for a := r - 2; a >= 0; a-- {
			idx[a]++
			for i, st := range strides {
				offs[i] += st[a]
			}
			if idx[a] < dims[a] {
				break
			}
			for i, st := range strides {
				offs[i] -= st[a] * dims[a]
			}
			idx[a] = 0
		}
	}
}
