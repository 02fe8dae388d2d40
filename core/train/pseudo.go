package train

import (
	"fmt"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/datasets"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// PseudoOptions configure class-balanced pseudo-labelling (SPEC section 5).
type PseudoOptions struct {
	Q         float64 // portion: theta_c is the confidence at rank floor(Q*n_c), descending
	Cap       float64 // upper bound of every theta_c (0.9 in the paper)
	Subsample int     // count every Subsample-th pixel when collecting confidences (1 = all, exact)
}

// PseudoLabel predicts every image of ds with the checkpoint's model (with the strategy's
// inference, so a DA model's attention applies) and writes class-balanced pseudo labels to dir:
// one trainId PNG per image (255 = not labelled) and stats.json with the per-class thresholds and
// kept fractions. The images are predicted twice (collect confidences, then label), in
// batches of eval.batch_size, so memory holds one batch of probability maps at a time.
func PseudoLabel(setup *Setup, ckpt string, ds datasets.Dataset, dir string, o PseudoOptions, progress func(total int, what string) Progress) (pseudo.Stats, error) {
	if o.Q < 0 || o.Q > 1 || o.Cap <= 0 || o.Cap > 1 || o.Subsample < 1 {
		return pseudo.Stats{}, fmt.Errorf("pseudo labels: q %v must be in [0, 1], cap %v in (0, 1], subsample %d >= 1", o.Q, o.Cap, o.Subsample)
	}
	snap, err := checkpoint.Open(ckpt)
	if err != nil {
		return pseudo.Stats{}, err
	}
	b, err := backend.New(setup.Root.Backend)
	if err != nil {
		return pseudo.Stats{}, err
	}
	defer b.Finalize()
	ctx := context.New().Checked(false)
	snap.Attach(ctx)
	p, err := NewProber(b, ctx, setup.Seg, setup.Strategy)
	if err != nil {
		return pseudo.Stats{}, err
	}
	classes := ds.NumClasses()
	bs := max(setup.Root.Eval.BatchSize, 1)
	pass := func(what string, each func(s datasets.Sample, prob []float32) error) error {
		var prog Progress
		if progress != nil {
			prog = progress(ds.Len(), what)
			defer prog.Close()
		}
		verified := false
		// Batches of eval.batch_size same-sized images, in dataset order.
		var batch []datasets.Sample
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
				if err := each(s, probs[k]); err != nil {
					return fmt.Errorf("pseudo labels: %s: %w", s.Name, err)
				}
			}
			if prog != nil {
				prog.Add(len(batch))
			}
			batch = batch[:0]
			return nil
		}
		for i := 0; i < ds.Len(); i++ {
			s, err := ds.Get(i)
			if err != nil {
				return fmt.Errorf("pseudo labels: sample %d: %w", i, err)
			}
			if err := s.Validate(); err != nil {
				return fmt.Errorf("pseudo labels: sample %d: %w", i, err)
			}
			if len(batch) > 0 && (s.H != batch[0].H || s.W != batch[0].W) || len(batch) == bs {
				if err := flush(); err != nil {
					return err
				}
			}
			batch = append(batch, s)
		}
		return flush()
	}
	col := pseudo.NewCollector(classes, o.Subsample)
	if err := pass("confidences", func(s datasets.Sample, prob []float32) error { return col.Add(prob, s.H, s.W) }); err != nil {
		return pseudo.Stats{}, err
	}
	theta := col.Thresholds(o.Q, o.Cap)
	w, err := pseudo.NewWriter(dir, setup.ClassNames, pseudo.Stats{Thresholds: theta, Q: o.Q, Cap: o.Cap, Counted: col.Counted()})
	if err != nil {
		return pseudo.Stats{}, err
	}
	if err := pass("labels", func(s datasets.Sample, prob []float32) error {
		return w.Write(s.Name, pseudo.Label(prob, s.H, s.W, classes, theta), s.H, s.W)
	}); err != nil {
		return pseudo.Stats{}, err
	}
	if err := w.Close(); err != nil {
		return pseudo.Stats{}, err
	}
	return w.Stats(), nil
}
