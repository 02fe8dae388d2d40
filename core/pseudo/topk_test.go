package pseudo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// softmaxImage makes HWC probabilities from random logits of spread s (large s: peaky).
func softmaxImage(r *rand.Rand, h, w, c int, s float64) []float32 {
	out := make([]float32, h*w*c)
	for p := 0; p < h*w; p++ {
		var sum float64
		e := make([]float64, c)
		for k := range e {
			e[k] = math.Exp(s * r.NormFloat64())
			sum += e[k]
		}
		for k := range e {
			out[p*c+k] = float32(e[k] / sum)
		}
	}
	return out
}

// TestLabelTopKEqualsLabelWhenExact: over random images and thresholds, whenever Exact says
// so the top-k labels equal Label's, and Exact holds in the common case (thresholds well above
// the k-th probability).
func TestLabelTopKEqualsLabelWhenExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	exact := 0
	for trial := range 300 {
		h, w, c := 1+r.IntN(6), 1+r.IntN(6), 2+r.IntN(18)
		k := 1 + r.IntN(4)
		prob := softmaxImage(r, h, w, c, 0.5+3*r.Float64())
		theta := make([]float64, c)
		lo := 0.05 + 0.6*r.Float64()
		for i := range theta {
			theta[i] = lo + (1-lo)*r.Float64()
			if r.IntN(10) == 0 {
				theta[i] = 1 // a class never predicted
			}
		}
		if trial%7 == 0 { // exact ties of probabilities and of ratios
			for p := 0; p < h*w; p++ {
				prob[p*c+1] = prob[p*c]
			}
			theta[1] = theta[0]
		}
		tk, err := NewTopK(prob, h, w, c, k)
		if err != nil {
			t.Fatal(err)
		}
		if !tk.Exact(theta) {
			continue
		}
		exact++
		want := Label(prob, h, w, c, theta)
		if got := LabelTopK(tk, theta); !slices.Equal(got, want) {
			t.Fatalf("trial %d (%dx%d, %d classes, k %d): LabelTopK %v, Label %v", trial, h, w, c, k, got, want)
		}
	}
	if exact < 60 {
		t.Errorf("only %d of 300 random cases were exact", exact)
	}
}

func TestTopKOrderTiesNaNAndExactness(t *testing.T) {
	// One pixel, 4 classes.
	tk, err := NewTopK([]float32{0.2, 0.4, 0.2, 0.2}, 1, 1, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tk.Cls, []uint8{1, 0, 2}) || !slices.Equal(tk.Outside, []float32{0, 0, 0, 0.2}) {
		t.Errorf("top 3 of (0.2, 0.4, 0.2, 0.2) = %v (outside %v), want classes 1, 0, 2 (ties by index), outside (0, 0, 0, 0.2)", tk.Cls, tk.Outside)
	}
	for _, tt := range []struct {
		theta []float64
		want  bool
	}{
		{[]float64{0.9, 0.9, 0.3, 0.9}, true},  // 0.2 / 0.3 < 1: class 3 cannot be kept
		{[]float64{0.9, 0.9, 0.9, 0.2}, false}, // class 3 (outside the top 3) could reach ratio 1
		{[]float64{0.9, 0.9, 0.9, 0}, false},   // a zero threshold: ratios unbounded
		{[]float64{0.9, 0.9, 0.9}, false},      // wrong length
	} {
		if got := tk.Exact(tt.theta); got != tt.want {
			t.Errorf("Exact(%v) = %v, want %v", tt.theta, got, tt.want)
		}
	}
	// Equal ratios: the lower class wins even when it is the less probable one.
	tie, _ := NewTopK([]float32{0.05, 0.25, 0.05, 0.5, 0.15}, 1, 1, 5, 3)
	theta := []float64{0.9, 0.25, 0.9, 0.5, 0.9}
	if got, want := LabelTopK(tie, theta), Label([]float32{0.05, 0.25, 0.05, 0.5, 0.15}, 1, 1, 5, theta); !tie.Exact(theta) || got[0] != want[0] || want[0] != 1 {
		t.Errorf("tie of ratios: LabelTopK %v, Label %v, want class 1", got, want)
	}
	nan, _ := NewTopK([]float32{float32(math.NaN()), 0.5, 0.5}, 1, 1, 3, 2)
	if nan.Exact([]float64{0.5, 0.5, 0.5}) {
		t.Error("a NaN probability must make the top-k inexact")
	}
	all, _ := NewTopK([]float32{0.3, 0.7}, 1, 1, 2, 5)
	if all.K != 2 || !all.Exact([]float64{0.01, 0.01}) {
		t.Errorf("k above the class count: K %d, exact %v; want 2, true", all.K, all.Exact([]float64{0.01, 0.01}))
	}
	if _, err := NewTopK([]float32{0.5}, 1, 1, 2, 1); err == nil {
		t.Error("a short probability slice was accepted")
	}
}
