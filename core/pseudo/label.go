package pseudo

import "fmt"

// Label returns the pseudo label of every pixel of one image from its softmax probabilities,
// HWC float32 [h*w*numClasses], and the per-class thresholds theta (see
// [Collector.Thresholds]): label = argmax_c p_c/theta_c, kept iff that ratio is >= 1,
// otherwise Ignore (255). The result is row-major [h*w].
//
// Ties: when two classes have the same ratio the lower class index wins. Ratios are computed
// in float64. A NaN ratio (a NaN probability, or 0/0) never wins and so a NaN probability is
// never kept; a zero threshold makes any positive probability of its class an infinite ratio.
//
// Label panics if the slice lengths do not match h, w and numClasses (a programming error:
// the sizes come from the same tensor).
func Label(prob []float32, h, w, numClasses int, theta []float64) []uint8 {
	if h <= 0 || w <= 0 || numClasses < 1 || numClasses > MaxClasses || len(prob) != h*w*numClasses || len(theta) != numClasses {
		panic(fmt.Sprintf("pseudo.Label: %d probabilities and %d thresholds for %dx%d pixels x %d classes (1..%d)",
			len(prob), len(theta), h, w, numClasses, MaxClasses))
	}
	out := make([]uint8, h*w)
	n := numClasses
	for p := range out {
		px := prob[p*n : p*n+n]
		best, br := -1, 0.0
		for c, v := range px {
			r := float64(v) / theta[c]
			if r != r { // NaN
				continue
			}
			if best < 0 || r > br {
				best, br = c, r
			}
		}
		if best >= 0 && br >= 1 {
			out[p] = uint8(best)
		} else {
			out[p] = Ignore
		}
	}
	return out
}
