package train

import (
	"fmt"

	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/pseudo"
)

// PseudoOptions configure class-balanced pseudo-labelling (docs/METHOD.md, "Self-training").
type PseudoOptions struct {
	Q         float64 // portion: theta_c is the confidence at rank floor(Q*n_c), descending
	Cap       float64 // upper bound of every theta_c (0.9 in the paper)
	Subsample int     // count every Subsample-th pixel when collecting confidences (1 = all, exact)
	// CacheBytes bounds the memory that keeps each pixel's top classes between the two
	// passes (0: 512 MiB; negative: none, every image is predicted twice). The labels are the
	// same either way.
	CacheBytes int64
}

// PseudoLabel predicts every image of ds with the checkpoint's model (with the strategy's
// inference, so a DA model's attention applies) and writes class-balanced pseudo labels to dir:
// one trainId PNG per image (255 = not labelled) and stats.json with the per-class thresholds and
// kept fractions. The images are predicted twice (collect confidences, then label), in
// batches of eval.batch_size, so memory holds one batch of probability maps at a time.
func PseudoLabel(setup *Setup, ckpt string, ds data.Dataset, dir string, o PseudoOptions, progress func(total int, what string) Progress) (pseudo.Stats, error) {
	if o.Q < 0 || o.Q > 1 || o.Cap <= 0 || o.Cap > 1 || o.Subsample < 1 {
		return pseudo.Stats{}, fmt.Errorf("pseudo labels: q %v must be in [0, 1], cap %v in (0, 1], subsample %d >= 1", o.Q, o.Cap, o.Subsample)
	}
	r, err := infer.Restore(setup.Root.Backend, ckpt)
	if err != nil {
		return pseudo.Stats{}, err
	}
	defer r.Close()
	snap, b, ctx := r.Snap, r.B, r.Ctx
	p, err := infer.NewProber(b, ctx, Inference(setup.Seg, setup.Strategy))
	if err != nil {
		return pseudo.Stats{}, err
	}
	classes := ds.NumClasses()
	bs := max(setup.Root.Eval.BatchSize, 1)
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
				if err := snap.VerifyUsed(ctx); err != nil {
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
	// for the thresholds (pseudo.TopK.Exact), else predicts it again.
	col := pseudo.NewCollector(classes, o.Subsample)
	cache := make([]*pseudo.TopK, ds.Len())
	var cached int64
	budget := o.CacheBytes
	if budget == 0 {
		budget = pseudoCacheBytes
	}
	if err := pass("confidences", func(i int, s data.Sample, prob []float32) error {
		if err := col.Add(prob, s.H, s.W); err != nil {
			return err
		}
		if size := pseudo.TopKBytes(s.H, s.W, pseudoTopK); cached+size <= budget {
			tk, err := pseudo.NewTopK(prob, s.H, s.W, classes, pseudoTopK)
			if err != nil {
				return err
			}
			cache[i], cached = tk, cached+size
		}
		return nil
	}, nil); err != nil {
		return pseudo.Stats{}, err
	}
	theta := col.Thresholds(o.Q, o.Cap)
	w, err := pseudo.NewWriter(dir, setup.ClassNames, pseudo.Stats{Thresholds: theta, Q: o.Q, Cap: o.Cap, Counted: col.Counted()})
	if err != nil {
		return pseudo.Stats{}, err
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
			return pseudo.Stats{}, fmt.Errorf("pseudo labels: sample %d: %w", i, err)
		}
		if err := w.Write(s.Name, pseudo.LabelTopK(cache[i], theta), s.H, s.W); err != nil {
			return pseudo.Stats{}, fmt.Errorf("pseudo labels: %s: %w", s.Name, err)
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
		return w.Write(s.Name, pseudo.Label(prob, s.H, s.W, classes, theta), s.H, s.W)
	}, func(i int) bool { return !done[i] }); err != nil {
		return pseudo.Stats{}, err
	}
	if err := w.Close(); err != nil {
		return pseudo.Stats{}, err
	}
	return w.Stats(), nil
}

// Pseudo-labelling keeps the top pseudoTopK classes of every pixel between its passes, up to
// pseudoCacheBytes in all by default (the synthetic benchmark's 2000 64x128 images take 246 MB).
const (
	pseudoTopK       = 3
	pseudoCacheBytes = 512 << 20
)
