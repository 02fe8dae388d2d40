// Package pseudo makes class-balanced pseudo labels for self-training (docs/METHOD.md, "Self-training"), the
// algorithm of the DAST release:
//
//  1. For every target image, the segmentor's softmax probabilities are passed to
//     [Collector.Add], which records, for each counted pixel, its largest probability under the
//     class that attains it (the pixel's predicted class).
//  2. [Collector.Thresholds] turns the recorded confidences of each class c into a threshold
//     theta_c: the value at rank floor(q*n_c) of the class's confidences sorted in descending
//     order, capped (0.9 in the paper); a class never predicted gets theta_c = 1.
//  3. [Label] labels a pixel with argmax_c p_c/theta_c when that ratio is at least 1, and with
//     255 (ignore) otherwise.
//
// A [Writer] stores the labels as trainId PNGs with a stats.json that records the thresholds
// and how many pixels each class kept.
//
// Everything runs on the host on plain slices; nothing here needs a GoMLX backend.
package pseudo

import (
	"fmt"
	"math"
)

// Ignore is the label of pixels that get no pseudo label.
const Ignore uint8 = 255

// MaxClasses is the largest number of classes a pseudo label can distinguish: labels are one
// byte and 255 means ignore.
const MaxClasses = 255

// Collector gathers, per class c, the max-probability of every counted pixel whose argmax is c.
//
// Memory: the collector keeps every counted confidence, 4 bytes per counted pixel, so that the
// thresholds are exact. At paper scale (2,975 Cityscapes images at 512x1024) that is 6.2 GB
// when every pixel is counted, 1.6 GB with the release's subsampling of every 4th pixel.
//
// A Collector is not safe for concurrent use.
type Collector struct {
	numClasses int
	subsample  int
	conf       [][]float32 // conf[c]: confidences of counted pixels predicted as c
	images     int
	skipped    int64 // counted positions whose probabilities were all NaN
}

// NewCollector returns an empty collector for numClasses classes that counts every
// subsample-th pixel of each image (pixels p = 0, k, 2k, ... of the row-major pixel order,
// restarting at 0 for every image). The release uses subsample 4; 1 counts every pixel and
// values below 1 mean 1. A numClasses outside 1..MaxClasses makes Add fail.
func NewCollector(numClasses, subsample int) *Collector {
	if subsample < 1 {
		subsample = 1
	}
	c := &Collector{numClasses: numClasses, subsample: subsample}
	if numClasses >= 1 && numClasses <= MaxClasses {
		c.conf = make([][]float32, numClasses)
	}
	return c
}

// NumClasses reports the number of classes the collector was made for.
func (c *Collector) NumClasses() int { return c.numClasses }

// Subsample reports the pixel stride of the collector (at least 1).
func (c *Collector) Subsample() int { return c.subsample }

// Images reports how many images were added.
func (c *Collector) Images() int { return c.images }

// Add takes one image's softmax probabilities, HWC float32 [h*w*c] (c = numClasses), and
// records the confidence of every counted pixel under its predicted class.
//
// The predicted class is the argmax of the pixel's probabilities, the lowest class index
// winning ties; NaN probabilities never win, and a pixel whose probabilities are all NaN is
// not recorded (see Skipped).
func (c *Collector) Add(prob []float32, h, w int) error {
	if c.numClasses < 1 || c.numClasses > MaxClasses {
		return fmt.Errorf("pseudo: collector for %d classes, want 1..%d", c.numClasses, MaxClasses)
	}
	if h <= 0 || w <= 0 {
		return fmt.Errorf("pseudo: image size %dx%d", h, w)
	}
	if want := h * w * c.numClasses; len(prob) != want {
		return fmt.Errorf("pseudo: probabilities have %d values, want %d (%dx%d pixels x %d classes)", len(prob), want, h, w, c.numClasses)
	}
	n := c.numClasses
	for p := 0; p < h*w; p += c.subsample {
		cls, v := argmax(prob[p*n : p*n+n])
		if cls < 0 {
			c.skipped++
			continue
		}
		c.conf[cls] = append(c.conf[cls], v)
	}
	c.images++
	return nil
}

// argmax returns the index and value of the largest non-NaN element of p, the lowest index
// winning ties, or -1 when every element is NaN.
func argmax(p []float32) (int, float32) {
	best, bv := -1, float32(0)
	for i, v := range p {
		if v != v { // NaN
			continue
		}
		if best < 0 || v > bv {
			best, bv = i, v
		}
	}
	return best, bv
}

// Counted reports, per class, how many pixels were recorded as predicted by that class.
func (c *Collector) Counted() []int64 {
	out := make([]int64, c.numClasses)
	for i := range c.conf {
		out[i] = int64(len(c.conf[i]))
	}
	return out
}

// Skipped reports how many counted pixels were dropped because all their probabilities were
// NaN.
func (c *Collector) Skipped() int64 { return c.skipped }

// Thresholds returns one threshold per class: theta_c is the value at rank floor(q*n_c) of
// class c's n_c recorded confidences sorted in descending order (ranks are 0-based and the
// rank is clamped to n_c-1, so q = 0 gives the largest confidence and q near 1 the smallest),
// then min(theta_c, cap). Classes never predicted get 1.
//
// The result is exact: it is computed from every recorded value by selection, in expected
// time linear in the number of values. q is clamped to [0, 1] (NaN counts as 0); a NaN cap
// means no cap. The cap is rounded to float32 first, like the probabilities, so every
// threshold is a float32 value widened to float64 and a probability equal to its threshold
// has ratio exactly 1 in Label (and is kept).
//
// Thresholds reorders the collector's stored values (not their multiset), so it may be called
// again with other q and cap and gives the same answers as on a fresh collector.
func (c *Collector) Thresholds(q, cap float64) []float64 {
	if !(q >= 0) { // also NaN
		q = 0
	}
	if q > 1 {
		q = 1
	}
	capped := !math.IsNaN(cap)
	cap32 := float64(float32(cap))
	out := make([]float64, c.numClasses)
	for i := range out {
		var v []float32
		if i < len(c.conf) {
			v = c.conf[i]
		}
		if len(v) == 0 {
			out[i] = 1
			continue
		}
		rank := int(math.Floor(q * float64(len(v))))
		if rank > len(v)-1 {
			rank = len(v) - 1
		}
		t := float64(selectDescending(v, rank))
		if capped && cap32 < t {
			t = cap32
		}
		out[i] = t
	}
	return out
}
