package pseudo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 17)) }

// randomProbs returns h*w softmax-like rows of n probabilities.
func randomProbs(r *rand.Rand, h, w, n int) []float32 {
	out := make([]float32, h*w*n)
	for p := 0; p < h*w; p++ {
		var s float32
		for c := 0; c < n; c++ {
			v := r.Float32()
			v = v * v * v // skewed, so argmaxes vary in confidence
			out[p*n+c] = v
			s += v
		}
		for c := 0; c < n; c++ {
			out[p*n+c] /= s
		}
	}
	return out
}

func TestSelectDescendingMatchesSort(t *testing.T) {
	r := newRand(1)
	gens := map[string]func(n int) []float32{
		"uniform": func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = r.Float32()
			}
			return v
		},
		"few distinct": func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(r.IntN(3)) / 2
			}
			return v
		},
		"all equal": func(n int) []float32 { return slices.Repeat([]float32{1}, n) },
		"ascending": func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(i)
			}
			return v
		},
		"descending": func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(n - i)
			}
			return v
		},
	}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 3, 10, 1000} {
			v := gen(n)
			sorted := slices.Clone(v)
			slices.SortFunc(sorted, func(a, b float32) int {
				switch {
				case a > b:
					return -1
				case a < b:
					return 1
				}
				return 0
			})
			for _, k := range []int{0, n / 3, n / 2, n - 1} {
				work := slices.Clone(v)
				if got := selectDescending(work, k); got != sorted[k] {
					t.Errorf("%s n=%d k=%d: %v, want %v", name, n, k, got, sorted[k])
				}
				a, b := slices.Clone(work), slices.Clone(v)
				slices.Sort(a)
				slices.Sort(b)
				if !slices.Equal(a, b) {
					t.Fatalf("%s n=%d: selection changed the multiset of values", name, n)
				}
			}
		}
	}
}
