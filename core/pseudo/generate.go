package pseudo

import (
	"fmt"

	"github.com/dast-uda/dast/core/data"
)

// Options configure class-balanced pseudo-labelling (docs/METHOD.md, "Self-training").
type Options struct {
	Q         float64 // portion: theta_c is the confidence at rank floor(Q*n_c), descending
	Cap       float64 // upper bound of every theta_c (0.9 in the paper)
	Subsample int     // count every Subsample-th pixel when collecting confidences (1 = all, exact)
	// CacheBytes bounds the memory that keeps each pixel's top classes between the two
	// passes (0: 512 MiB; negative: none, every image is predicted twice). The labels are the
	// same either way.
	CacheBytes int64
}

// Check reports options out of range.
func (o Options) Check() error {
	if o.Q < 0 || o.Q > 1 || o.Cap <= 0 || o.Cap > 1 || o.Subsample < 1 {
		return fmt.Errorf("pseudo labels: q %v must be in [0, 1], cap %v in (0, 1], subsample %d >= 1", o.Q, o.Cap, o.Subsample)
	}
	return nil
}

// Prober gives the per-pixel class probabilities of same-sized images, one HWC
// [H*W*classes] slice each (infer.Prober).
type Prober interface {
	Batch(batch []data.Sample) ([][]float32, error)
}

// Progress reports the advance of a pass over the images.
type Progress interface {
	Add(n int)
	Close()
}

// Generate predicts every image of ds with p and writes class-balanced pseudo labels to dir:
// one trainId PNG per image (255 = not labelled) and stats.json with the per-class thresholds
// and kept fractions, the classes named classNames. The images are predicted twice (collect
// confidences, then label), in batches of batchSize, so memory holds one batch of probability
// maps at a time. verify is called after the first prediction (a checkpoint's check that every
// variable came from it); progress, when not nil, reports each pass.
func Generate(p Prober, verify func() error, ds data.Dataset, dir string, classNames []string, batchSize int, o Options, progress func(total int, what string) Progress) (Stats, error) {
	if err := o.Check(); err != nil {
		return Stats{}, err
	}
	classes := ds.NumClasses()
	bs := max(batchSize, 1)
	// Entries a dataset skipped (skip_bad) get no pseudo label: Get returns another entry for
	// them, which would be counted twice in the thresholds.
	sub, _ := ds.(data.Substituter)
	skipped := func(i int) bool { return sub != nil && sub.Substituted(i) }
	// pass predicts every image (or those `want` selects) in order and hands each, with its
	// index, to `each`.
	pass := func(what string, each func(i int, s data.Sample, prob []float32) error, want func(i int) bool) error {
		n := ds.Len()
		if want != nil {
			n = 0
			for i := 0; i < ds.Len(); i++ {
				if want(i) {
					n++
				}
			}
			if n == 0 {
				return nil
			}
		}
		var prog Progress
		if progress != nil {
			prog = progress(n, what)
			defer prog.Close()
		}
		verified := false
		// Batches of eval.batch_size same-sized images, in dataset order.
		var batch []data.Sample
		var index []int
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			probs, err := p.Batch(batch)
			if err != nil {
				return err
			}
			if !verified {
				if err := verify(); err != nil {
					return err
				}
				verified = true
			}
			for k, s := range batch {
				if err := each(index[k], s, probs[k]); err != nil {
					return fmt.Errorf("pseudo labels: %s: %w", s.Name, err)
				}
			}
			if prog != nil {
				prog.Add(len(batch))
			}
			batch, index = batch[:0], index[:0]
			return nil
		}
		for i := 0; i < ds.Len(); i++ {
			if want != nil && !want(i) {
				continue
			}
			s, err := ds.Get(i)
			if err != nil {
				return fmt.Errorf("pseudo labels: sample %d: %w", i, err)
			}
			if skipped(i) {
				if prog != nil {
					prog.Add(1)
				}
				continue
			}
			if err := s.Validate(); err != nil {
				return fmt.Errorf("pseudo labels: sample %d: %w", i, err)
			}
			if len(batch) > 0 && (s.H != batch[0].H || s.W != batch[0].W) || len(batch) == bs {
				if err := flush(); err != nil {
					return err
				}
			}
			batch, index = append(batch, s), append(index, i)
		}
		return flush()
	}
	// Pass 1 collects confidences and keeps each image's top pseudoTopK classes per pixel
	// while they fit in pseudoCacheBytes; pass 2 labels an image from them when that is exact
	// for the thresholds (TopK.Exact), else predicts it again.
	col := NewCollector(classes, o.Subsample)
	cache := make([]*TopK, ds.Len())
	var cached int64
	budget := o.CacheBytes
	if budget == 0 {
		budget = pseudoCacheBytes
	}
	if err := pass("confidences", func(i int, s data.Sample, prob []float32) error {
		if err := col.Add(prob, s.H, s.W); err != nil {
			return err
		}
		if size := TopKBytes(s.H, s.W, pseudoTopK); cached+size <= budget {
			tk, err := NewTopK(prob, s.H, s.W, classes, pseudoTopK)
			if err != nil {
				return err
			}
			cache[i], cached = tk, cached+size
		}
		return nil
	}, nil); err != nil {
		return Stats{}, err
	}
	theta := col.Thresholds(o.Q, o.Cap)
	w, err := NewWriter(dir, classNames, Stats{Thresholds: theta, Q: o.Q, Cap: o.Cap, Counted: col.Counted()})
	if err != nil {
		return Stats{}, err
	}
	// Images labelled from the cache are written first, in order; the rest after prediction.
	done := make([]bool, len(cache))
	for i := range cache {
		if cache[i] == nil || !cache[i].Exact(theta) {
			cache[i] = nil
			continue
		}
		s, err := ds.Get(i)
		if err != nil {
			return Stats{}, fmt.Errorf("pseudo labels: sample %d: %w", i, err)
		}
		if err := w.Write(s.Name, LabelTopK(cache[i], theta), s.H, s.W); err != nil {
			return Stats{}, fmt.Errorf("pseudo labels: %s: %w", s.Name, err)
		}
		cache[i], done[i] = nil, true
	}
	repredicted := 0
	for i, d := range done {
		if !d && !skipped(i) {
			repredicted++
		}
	}
	w.SetRepredicted(repredicted)
	if err := pass("labels", func(_ int, s data.Sample, prob []float32) error {
		return w.Write(s.Name, Label(prob, s.H, s.W, classes, theta), s.H, s.W)
	}, func(i int) bool { return !done[i] }); err != nil {
		return Stats{}, err
	}
	if err := w.Close(); err != nil {
		return Stats{}, err
	}
	return w.Stats(), nil
}

// Generate keeps the top pseudoTopK classes of every pixel between its passes, up to
// pseudoCacheBytes in all by default (the synthetic benchmark's 2000 64x128 images take 246 MB).
const (
	pseudoTopK       = 3
	pseudoCacheBytes = 512 << 20
)
