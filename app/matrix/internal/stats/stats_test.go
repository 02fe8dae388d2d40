package stats

import (
	"math"
	"testing"
)

// Expected values: Python's statistics.mean and statistics.stdev, and the Student-t quantile's
// closed forms for 1 and 2 degrees of freedom, tan(π(p−½)) and (2p−1)/√(2p(1−p)) at p = 0.975.
func TestMeanStd(t *testing.T) {
	tests := []struct {
		v         []float64
		mean, std float64
	}{
		{[]float64{40, 42.5, 44, 39.25}, 41.4375, 2.2020350436206355},
		{[]float64{7}, 7, 0},
		{[]float64{-1, 1}, 0, math.Sqrt2},
	}
	for _, tt := range tests {
		mean, std := MeanStd(tt.v)
		if math.Abs(mean-tt.mean) > 1e-12 || math.Abs(std-tt.std) > 1e-12 {
			t.Errorf("MeanStd(%v) = %v, %v, want %v, %v", tt.v, mean, std, tt.mean, tt.std)
		}
	}
}

func TestHalfWidth95(t *testing.T) {
	tests := []struct {
		sd   float64
		n    int
		want float64
	}{
		{2, 2, 17.969287064187508},
		{1.5, 3, 3.7262065676254954},
	}
	for _, tt := range tests {
		if got := HalfWidth95(tt.sd, tt.n); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("HalfWidth95(%v, %d) = %v, want %v", tt.sd, tt.n, got, tt.want)
		}
	}
}
