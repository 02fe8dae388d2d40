package pseudo

// selectDescending returns the value at 0-based rank k of v sorted in descending order,
// reordering v in place. v must not contain NaN and 0 <= k < len(v).
//
// It is a quickselect with a three-way partition, so runs of equal values (common: softmax
// outputs saturate at 1) cost one pass, and pivots drawn as the median of three positions from
// a fixed pseudo-random sequence, so the result and the running time do not depend on the
// order the values arrived in beyond chance.
func selectDescending(v []float32, k int) float32 {
	lo, hi := 0, len(v) // the answer is in v[lo:hi], at index k
	rng := uint64(0x9E3779B97F4A7C15)
	next := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	for hi-lo > 1 {
		n := hi - lo
		a, b, c := v[lo+next(n)], v[lo+next(n)], v[lo+next(n)]
		pivot := median3(a, b, c)
		// Partition v[lo:hi] into > pivot, == pivot, < pivot (descending order).
		gt, i, lt := lo, lo, hi
		for i < lt {
			switch x := v[i]; {
			case x > pivot:
				v[gt], v[i] = v[i], v[gt]
				gt++
				i++
			case x < pivot:
				lt--
				v[lt], v[i] = v[i], v[lt]
			default:
				i++
			}
		}
		switch {
		case k < gt:
			hi = gt
		case k >= lt:
			lo = lt
		default:
			return pivot
		}
	}
	return v[k]
}

func median3(a, b, c float32) float32 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	if a > b {
		return a
	}
	return b
}
