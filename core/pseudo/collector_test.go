package pseudo

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// probs flattens per-pixel probability rows into an HWC slice.
func probs(px ...[]float32) []float32 {
	var out []float32
	for _, p := range px {
		out = append(out, p...)
	}
	return out
}

// f32 widens the float32 nearest to x, the form thresholds take.
func f32(x float64) float64 { return float64(float32(x)) }

func TestThresholds(t *testing.T) {
	// Class 0 is predicted with confidences 0.99, 0.97, 0.95, 0.92; class 1 with 0.6, 0.7,
	// 0.8; class 2 never.
	img := probs(
		[]float32{0.99, 0.01, 0}, []float32{0.3, 0.6, 0.1}, []float32{0.97, 0.02, 0.01},
		[]float32{0.1, 0.7, 0.2}, []float32{0.95, 0.05, 0}, []float32{0.2, 0.8, 0},
		[]float32{0.92, 0.04, 0.04},
	)
	tests := []struct {
		name   string
		q, cap float64
		want   []float64
	}{
		{"median capped at 0.9", 0.5, 0.9, []float64{f32(0.9), f32(0.7), 1}},
		{"median uncapped", 0.5, 1, []float64{f32(0.95), f32(0.7), 1}},
		{"q=0 is the max", 0, 1, []float64{f32(0.99), f32(0.8), 1}},
		{"q=0 capped", 0, 0.9, []float64{f32(0.9), f32(0.8), 1}},
		{"q near 1 is the min", 0.999, 1, []float64{f32(0.92), f32(0.6), 1}},
		{"q=1 clamps to the min", 1, 1, []float64{f32(0.92), f32(0.6), 1}},
		{"q above 1 clamps", 7, 1, []float64{f32(0.92), f32(0.6), 1}},
		{"negative q is 0", -1, 1, []float64{f32(0.99), f32(0.8), 1}},
		{"NaN q is 0", math.NaN(), 1, []float64{f32(0.99), f32(0.8), 1}},
		{"NaN cap is no cap", 0, math.NaN(), []float64{f32(0.99), f32(0.8), 1}},
		{"q=0.25: rank 1 of 4, rank 0 of 3", 0.25, 1, []float64{f32(0.97), f32(0.8), 1}},
		{"q=0.34: rank 1 of 4, rank 1 of 3", 0.34, 1, []float64{f32(0.97), f32(0.7), 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCollector(3, 1)
			if err := c.Add(img, 1, 7); err != nil {
				t.Fatal(err)
			}
			got := c.Thresholds(tt.q, tt.cap)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Thresholds(%v, %v) = %v, want %v", tt.q, tt.cap, got, tt.want)
			}
			if cnt := c.Counted(); cnt[0] != 4 || cnt[1] != 3 || cnt[2] != 0 {
				t.Errorf("Counted = %v, want [4 3 0]", cnt)
			}
		})
	}
}

func TestThresholdsRepeatable(t *testing.T) {
	// Thresholds reorders the stored values; asking again must give the same answers as a
	// fresh collector.
	img := randomProbs(newRand(3), 40, 30, 5)
	c := NewCollector(5, 1)
	if err := c.Add(img, 40, 30); err != nil {
		t.Fatal(err)
	}
	first := c.Thresholds(0.5, 1)
	c.Thresholds(0.2, 1)
	c.Thresholds(0.9, 0.5)
	if again := c.Thresholds(0.5, 1); !slices.Equal(first, again) {
		t.Errorf("second Thresholds(0.5, 1) = %v, first %v", again, first)
	}
}

func TestCollectorTiesAndNaN(t *testing.T) {
	tests := []struct {
		name        string
		px          []float32
		wantClass   int // -1: not recorded
		wantConf    float64
		wantSkipped int64
	}{
		{"tie goes to the lower class", []float32{0.1, 0.45, 0.45}, 1, f32(0.45), 0},
		{"three-way tie goes to class 0", []float32{0.3, 0.3, 0.3}, 0, f32(0.3), 0},
		{"NaN never wins", []float32{float32(math.NaN()), 0.2, 0.1}, 1, f32(0.2), 0},
		{"all NaN is skipped", []float32{float32(math.NaN()), float32(math.NaN()), float32(math.NaN())}, -1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCollector(3, 1)
			if err := c.Add(tt.px, 1, 1); err != nil {
				t.Fatal(err)
			}
			if c.Skipped() != tt.wantSkipped {
				t.Errorf("Skipped = %d, want %d", c.Skipped(), tt.wantSkipped)
			}
			th := c.Thresholds(0, 1)
			for cls, n := range c.Counted() {
				if cls == tt.wantClass {
					if n != 1 || th[cls] != tt.wantConf {
						t.Errorf("class %d: %d values, threshold %v; want 1 value %v", cls, n, th[cls], tt.wantConf)
					}
				} else if n != 0 {
					t.Errorf("class %d recorded %d values, want 0", cls, n)
				}
			}
		})
	}
}

func TestSubsample(t *testing.T) {
	const h, w, n = 5, 7, 2
	// Pixel p is predicted as class p%2 with confidence (p+1)/100 (p < 35).
	img := make([]float32, h*w*n)
	for p := 0; p < h*w; p++ {
		img[p*n+p%2] = float32(p+1) / 100
	}
	tests := []struct {
		k         int
		wantCount []int64
		wantMax   []float64 // q = 0
	}{
		// k=1: all 35 pixels, class 0 gets the 18 even ones (max p=34), class 1 the 17 odd (max p=33).
		{1, []int64{18, 17}, []float64{f32(0.35), f32(0.34)}},
		// k=4: p = 0,4,...,32: all even, class 0 only.
		{4, []int64{9, 0}, []float64{f32(0.33), 1}},
		// k=3: p = 0,3,...,33: 12 pixels, 6 even (max 30) and 6 odd (max 33).
		{3, []int64{6, 6}, []float64{f32(0.31), f32(0.34)}},
		// k<1 means 1.
		{0, []int64{18, 17}, []float64{f32(0.35), f32(0.34)}},
	}
	for _, tt := range tests {
		c := NewCollector(n, tt.k)
		// Two images: the stride restarts at pixel 0 of each.
		for range 2 {
			if err := c.Add(img, h, w); err != nil {
				t.Fatal(err)
			}
		}
		got := c.Counted()
		for i := range got {
			if got[i] != 2*tt.wantCount[i] {
				t.Errorf("subsample %d: Counted = %v, want twice %v", tt.k, got, tt.wantCount)
				break
			}
		}
		if th := c.Thresholds(0, 1); !slices.Equal(th, tt.wantMax) {
			t.Errorf("subsample %d: max confidences %v, want %v", tt.k, th, tt.wantMax)
		}
		if c.Images() != 2 {
			t.Errorf("Images = %d, want 2", c.Images())
		}
	}
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name    string
		classes int
		n, h, w int
		want    string
	}{
		{"short slice", 3, 11, 2, 2, "11 values, want 12 (2x2 pixels x 3 classes)"},
		{"long slice", 3, 13, 2, 2, "13 values, want 12"},
		{"zero height", 3, 0, 0, 2, "size 0x2"},
		{"negative width", 3, 6, 2, -1, "size 2x-1"},
		{"no classes", 0, 4, 2, 2, "0 classes"},
		{"too many classes", 256, 256 * 4, 2, 2, "256 classes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCollector(tt.classes, 1)
			err := c.Add(make([]float32, tt.n), tt.h, tt.w)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add error = %v, want one containing %q", err, tt.want)
			}
			if c.Images() != 0 {
				t.Errorf("a rejected image was counted")
			}
		})
	}
}
