package pseudo

import (
	"math"
	"testing"
)

func TestLabel(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name  string
		theta []float64
		px    [][]float32
		want  []uint8
	}{
		{"above threshold kept", []float64{0.9, 0.5, 1},
			[][]float32{{0.95, 0.05, 0}, {0.3, 0.6, 0.1}}, []uint8{0, 1}},
		{"ratio, not probability, decides", []float64{0.9, 0.5, 1},
			[][]float32{{0.5, 0.45, 0.05}}, []uint8{Ignore}}, // 0.5/0.9 < 1 but argmax-p is 0; 0.45/0.5 < 1
		{"lower-threshold class wins", []float64{0.9, 0.3, 1},
			[][]float32{{0.6, 0.4, 0}}, []uint8{1}}, // ratios 0.67, 1.33
		{"equal to its threshold is kept", []float64{f32(0.9), f32(0.7), 1},
			[][]float32{{0.9, 0.1, 0}, {0.3, 0.7, 0}}, []uint8{0, 1}},
		{"tie of ratios: lower index wins", []float64{0.25, 0.5, 1},
			[][]float32{{0.25, 0.5, 0.25}}, []uint8{0}}, // ratios 1, 1, 0.25
		{"tie of ratios above 1", []float64{1, 0.2, 0.2},
			[][]float32{{0.2, 0.4, 0.4}}, []uint8{1}},
		{"never-predicted class (theta 1) needs p == 1", []float64{0.9, 0.9, 1},
			[][]float32{{0, 0.001, 0.999}, {0, 0, 1}}, []uint8{Ignore, 2}},
		{"all ignored", []float64{0.9, 0.9, 0.9},
			[][]float32{{0.4, 0.3, 0.3}, {0.5, 0.5, 0}, {0.1, 0.1, 0.8}}, []uint8{Ignore, Ignore, Ignore}},
		{"NaN probability never kept", []float64{0.5, 0.5, 0.5},
			[][]float32{{nan, 0, 0}, {nan, 0.6, 0}, {nan, nan, nan}}, []uint8{Ignore, 1, Ignore}},
		{"zero threshold: positive p is an infinite ratio", []float64{0, 0.9, 0.9},
			[][]float32{{0.1, 0.2, 0.7}, {0, 0.95, 0.05}}, []uint8{0, 1}}, // 0/0 is NaN, never wins
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Label(probs(tt.px...), 1, len(tt.px), 3, tt.theta)
			if string(got) != string(tt.want) {
				t.Errorf("Label = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLabelPanicsOnSizes(t *testing.T) {
	tests := []struct {
		name       string
		n, h, w, c int
		theta      int
	}{
		{"short probabilities", 5, 1, 2, 3, 3},
		{"short thresholds", 6, 1, 2, 3, 2},
		{"zero size", 0, 0, 2, 3, 3},
		{"too many classes", 256, 1, 1, 256, 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Label did not panic")
				}
			}()
			Label(make([]float32, tt.n), tt.h, tt.w, tt.c, make([]float64, tt.theta))
		})
	}
}

// TestRound runs the whole rule on random softmax maps and checks it against its definition:
// with q, the fraction of each class's counted pixels whose confidence is at least theta_c is
// about 1-q when no cap binds, and every kept pixel satisfies p/theta >= 1 for its label.
func TestRound(t *testing.T) {
	const h, w, n = 32, 48, 4
	r := newRand(7)
	var imgs [][]float32
	c := NewCollector(n, 1)
	for range 3 {
		img := randomProbs(r, h, w, n)
		imgs = append(imgs, img)
		if err := c.Add(img, h, w); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []float64{0.2, 0.5, 0.8} {
		theta := c.Thresholds(q, 1)
		above := make([]int, n) // pixels predicted as c with confidence >= theta_c
		pred := make([]int, n)
		for _, img := range imgs {
			lab := Label(img, h, w, n, theta)
			for p := 0; p < h*w; p++ {
				cls, v := argmax(img[p*n : p*n+n])
				pred[cls]++
				if float64(v) >= theta[cls] {
					above[cls]++
				}
				if l := lab[p]; l != Ignore {
					if r := float64(img[p*n+int(l)]) / theta[l]; r < 1 {
						t.Fatalf("q=%v pixel %d labelled %d with ratio %v", q, p, l, r)
					}
				}
			}
		}
		for cls := range n {
			// rank floor(q*n_c) in descending order: floor(q*n_c)+1 values are >= theta
			// (the values are distinct with probability 1).
			want := int(math.Floor(q*float64(pred[cls]))) + 1
			if above[cls] != want {
				t.Errorf("q=%v class %d: %d of %d pixels at or above theta, want %d", q, cls, above[cls], pred[cls], want)
			}
		}
	}
}
