// Package metrics scores semantic segmentation: a confusion matrix summed over images,
// per-class IoU, mIoU, and the metrics.json file every evaluation writes.
package metrics

import (
	"fmt"
	"math"
)

// IgnoreLabel is the ground-truth value that is not scored.
const IgnoreLabel = 255

// Confusion is a NumClasses x NumClasses matrix of pixel counts: row = ground truth,
// column = prediction.
type Confusion struct {
	n      int
	counts []int64 // n*n, row-major [gt][pred]
}

// NewConfusion returns an empty confusion matrix over numClasses classes. It panics if
// numClasses is not positive (a programming error, not user input).
func NewConfusion(numClasses int) *Confusion {
	if numClasses <= 0 {
		panic(fmt.Sprintf("metrics.NewConfusion: %d classes", numClasses))
	}
	return &Confusion{n: numClasses, counts: make([]int64, numClasses*numClasses)}
}

// NumClasses returns the number of classes.
func (c *Confusion) NumClasses() int { return c.n }

// Add counts one prediction map against its ground truth (same length, any shape). Ground truth
// 255 is ignored; any other ground truth or any prediction outside 0..NumClasses-1 is an error,
// and then nothing is counted.
func (c *Confusion) Add(pred, gt []int32) error {
	if len(pred) != len(gt) {
		return fmt.Errorf("confusion: %d predictions for %d labels", len(pred), len(gt))
	}
	n := int32(c.n)
	for i := range pred {
		if p := pred[i]; p < 0 || p >= n {
			return fmt.Errorf("confusion: prediction %d at pixel %d outside 0..%d", p, i, n-1)
		}
		if g := gt[i]; g != IgnoreLabel && (g < 0 || g >= n) {
			return fmt.Errorf("confusion: label %d at pixel %d outside 0..%d and not %d", g, i, n-1, IgnoreLabel)
		}
	}
	for i, g := range gt {
		if g == IgnoreLabel {
			continue
		}
		c.counts[int(g)*c.n+int(pred[i])]++
	}
	return nil
}

// Merge adds the counts of o (same number of classes) into c.
func (c *Confusion) Merge(o *Confusion) error {
	if o.n != c.n {
		return fmt.Errorf("confusion: merge %d classes into %d", o.n, c.n)
	}
	for i, v := range o.counts {
		c.counts[i] += v
	}
	return nil
}

// Count returns the number of pixels of ground truth gt predicted as pred.
func (c *Confusion) Count(gt, pred int) int64 { return c.counts[gt*c.n+pred] }

// Total returns the number of scored pixels.
func (c *Confusion) Total() int64 {
	var t int64
	for _, v := range c.counts {
		t += v
	}
	return t
}

// Reset clears all counts.
func (c *Confusion) Reset() { clear(c.counts) }

// IoU returns TP/(TP+FP+FN) per class as a fraction in [0,1]; NaN where TP+FP+FN == 0 (the
// class is absent from both ground truth and predictions).
func (c *Confusion) IoU() []float64 {
	out := make([]float64, c.n)
	for k := 0; k < c.n; k++ {
		tp := c.counts[k*c.n+k]
		var rowSum, colSum int64
		for j := 0; j < c.n; j++ {
			rowSum += c.counts[k*c.n+j]
			colSum += c.counts[j*c.n+k]
		}
		den := rowSum + colSum - tp
		if den == 0 {
			out[k] = math.NaN()
			continue
		}
		out[k] = float64(tp) / float64(den)
	}
	return out
}

// MIoU returns the mean IoU over the classes with a defined IoU, in percent; NaN if none is
// defined.
func (c *Confusion) MIoU() float64 {
	all := make([]int, c.n)
	for i := range all {
		all[i] = i
	}
	return c.MIoUOver(all)
}

// MIoUOver returns the mean IoU in percent over the listed classes that have a defined IoU
// (e.g. the 13-class SYNTHIA subset); NaN if none is defined. Out-of-range ids are skipped.
func (c *Confusion) MIoUOver(classes []int) float64 {
	iou := c.IoU()
	sum, n := 0.0, 0
	for _, k := range classes {
		if k < 0 || k >= c.n || math.IsNaN(iou[k]) {
			continue
		}
		sum += iou[k]
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return 100 * sum / float64(n)
}

// PixelAccuracy returns the fraction of scored pixels predicted correctly, in percent; NaN when
// nothing was scored.
func (c *Confusion) PixelAccuracy() float64 {
	t := c.Total()
	if t == 0 {
		return math.NaN()
	}
	var tp int64
	for k := 0; k < c.n; k++ {
		tp += c.counts[k*c.n+k]
	}
	return 100 * float64(tp) / float64(t)
}

// SubsetMIoUs returns, for each named class subset (e.g. "mIoU*13": SYNTHIA's 13 classes), the
// mean IoU in percent over its classes (MIoUOver); nil when subsets is empty.
func (c *Confusion) SubsetMIoUs(subsets map[string][]int) map[string]float64 {
	if len(subsets) == 0 {
		return nil
	}
	out := make(map[string]float64, len(subsets))
	for name, classes := range subsets {
		out[name] = c.MIoUOver(classes)
	}
	return out
}
