package pseudo

import "fmt"

// TopK is an image's k most probable classes per pixel, kept between the two passes of
// pseudo-labelling so the second pass need not predict the image again. Labels made from it
// equal Label's exactly whenever Exact says so: when no class reaches its threshold at a pixel
// where it is outside the top k, every ratio of 1 or more is in the top k (see LabelTopK).
type TopK struct {
	H, W, K, Classes int
	Cls              []uint8   // [H*W*K] classes of each pixel's top K, most probable first
	Prob             []float32 // [H*W*K] their probabilities
	// Outside[c] is the largest probability of class c over the pixels where c is not in the
	// top K (0 when it always is).
	Outside []float32
	// NaN is set when some probability is NaN (Label's NaN rules then need every class).
	NaN bool
}

// Bytes is the memory a TopK of h*w pixels and k classes holds.
func TopKBytes(h, w, k int) int64 { return int64(h) * int64(w) * int64(k) * 5 }

// NewTopK extracts the top k classes of every pixel of HWC probabilities [h*w*classes]. Ties
// keep the lower class first.
func NewTopK(prob []float32, h, w, classes, k int) (*TopK, error) {
	if h <= 0 || w <= 0 || classes < 1 || classes > MaxClasses || len(prob) != h*w*classes {
		return nil, fmt.Errorf("pseudo: %d probabilities for %dx%d pixels x %d classes", len(prob), h, w, classes)
	}
	k = min(max(k, 1), classes)
	t := &TopK{H: h, W: w, K: k, Classes: classes, Cls: make([]uint8, h*w*k), Prob: make([]float32, h*w*k),
		Outside: make([]float32, classes)}
	for p := 0; p < h*w; p++ {
		px := prob[p*classes : (p+1)*classes]
		cls, pr := t.Cls[p*k:(p+1)*k], t.Prob[p*k:(p+1)*k]
		n := 0
		for c, v := range px {
			if v != v {
				t.NaN = true
				continue
			}
			// Insert c into the sorted top list (descending; equal values keep index order).
			if n < k {
				n++
			} else if v <= pr[k-1] {
				continue
			}
			j := n - 1
			for j > 0 && pr[j-1] < v {
				cls[j], pr[j] = cls[j-1], pr[j-1]
				j--
			}
			cls[j], pr[j] = uint8(c), v
		}
		if n < k {
			t.NaN = true // fewer than k non-NaN values
		}
		if classes > k {
		outside:
			for c, v := range px {
				if v <= t.Outside[c] {
					continue
				}
				for _, top := range cls {
					if int(top) == c {
						continue outside
					}
				}
				t.Outside[c] = v
			}
		}
	}
	return t, nil
}

// Exact reports whether LabelTopK gives exactly Label's result for thresholds theta.
func (t *TopK) Exact(theta []float64) bool {
	if t.NaN || len(theta) != t.Classes {
		return false
	}
	for c, v := range t.Outside {
		// Outside the top k, class c must stay below ratio 1 (0/0 is NaN, which never wins).
		if v != 0 && !(float64(v)/theta[c] < 1) {
			return false
		}
	}
	return true
}

// LabelTopK is Label computed from the top K classes: the same ratios, the same tie rule (the
// lower class index wins). It equals Label(prob, ...) when t.Exact(theta).
func LabelTopK(t *TopK, theta []float64) []uint8 {
	out := make([]uint8, t.H*t.W)
	k := t.K
	for p := range out {
		cls, pr := t.Cls[p*k:(p+1)*k], t.Prob[p*k:(p+1)*k]
		best, br := -1, 0.0
		for i := range cls {
			c := int(cls[i])
			r := float64(pr[i]) / theta[c]
			if r != r {
				continue
			}
			if best < 0 || r > br || (r == br && c < best) {
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
