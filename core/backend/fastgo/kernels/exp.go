package kernels

import "math"

// ExpRow sets d[i] = float32(math.Exp(float64(src[i]))), bit for bit, with the vector kernel
// where it runs and Go's math.Exp for the rest (out-of-range groups and the tail).
func ExpRow(d, src []float32) {
	i := 0
	for i < len(src) {
		if haveExpVec && len(src)-i >= 8 {
			i += expF32(&d[i], &src[i], len(src)-i)
		}
		for end := min(i+8, len(src)); i < end; i++ {
			d[i] = float32(math.Exp(float64(src[i])))
		}
	}
}
