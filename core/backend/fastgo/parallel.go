package fastgo

import "github.com/dast-uda/dast/core/backend/fastgo/kernels"

// rowGrain is the grain in rows of length inner that holds about kernels.GrainFloats values.
func rowGrain(inner int) int { return max(1, kernels.GrainFloats/max(inner, 1)) }

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
