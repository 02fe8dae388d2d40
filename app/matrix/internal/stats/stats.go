// Package stats holds the summary statistics of a matrix's seeds: the mean and sample
// standard deviation of a row, and the half-width of the 95% Student-t interval that the
// paired comparisons and the baseline gate use.
package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// MeanStd returns the mean and the sample standard deviation (0 for one value).
func MeanStd(v []float64) (float64, float64) {
	var sum float64
	for _, x := range v {
		sum += x
	}
	mean := sum / float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// HalfWidth95 is the half-width of the 95% Student-t interval of the mean of n >= 2 values
// whose sample standard deviation is sd.
func HalfWidth95(sd float64, n int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975) * sd / math.Sqrt(float64(n))
}
