// Package eval evaluates a run's checkpoints after training, the model assembled as a run's
// setup describes it: the metrics on data.val (dast eval), one confusion matrix per val image
// for resampling statistics (dast eval --bootstrap), and class and attention maps of a few
// images (dast view, the report's panel). Every variable inference needs must come from the
// checkpoint.
package eval

import (
	"fmt"

	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/train"
)

// Checkpoint scores the weights of a checkpoint file on the setup's data.val. Every
// variable inference needs must come from the checkpoint: a checkpoint of another model is an
// error, never a silently re-initialised layer.
func Checkpoint(setup *train.Setup, ckpt string, progress func(total int) train.Progress) (metrics.Metrics, error) {
	if setup.Val == nil {
		return metrics.Metrics{}, fmt.Errorf("%s: data.val: evaluation needs a labelled validation set", setup.Tree.Path())
	}
	r, err := infer.Restore(setup.Root.Backend, ckpt)
	if err != nil {
		return metrics.Metrics{}, err
	}
	defer r.Close()
	snap, b, ctx := r.Snap, r.B, r.Ctx
	it, err := snap.Iteration()
	if err != nil {
		return metrics.Metrics{}, err
	}
	p, err := infer.NewPredictor(b, ctx, train.Inference(setup.Seg, setup.Strategy))
	if err != nil {
		return metrics.Metrics{}, err
	}
	var prog train.Progress
	if progress != nil {
		prog = progress(setup.Val.Len())
		defer prog.Close()
	}
	checked := false
	var verifyErr error
	conf, err := infer.Evaluate(p, setup.Val, setup.Root.Eval.BatchSize, func(n int) {
		if !checked {
			checked = true
			verifyErr = snap.VerifyUsed(ctx)
		}
		if prog != nil {
			prog.Add(n)
		}
	})
	if err != nil {
		return metrics.Metrics{}, fmt.Errorf("evaluate checkpoint %s: %w", ckpt, err)
	}
	if verifyErr != nil {
		return metrics.Metrics{}, verifyErr
	}
	m := conf.Metrics(setup.ClassNames, it)
	m.Subsets = infer.SubsetMIoUs(setup.Source, conf)
	if is, ok := setup.DataIssues()["data.val"]; ok {
		m.DataIssues = map[string]metrics.DataIssues{"data.val": is}
	}
	return m, nil
}

// oneImage is a view of image i of a dataset.
type oneImage struct {
	data.Dataset
	i int
}

func (o oneImage) Len() int                     { return 1 }
func (o oneImage) Get(int) (data.Sample, error) { return o.Dataset.Get(o.i) }

// CheckpointPerImage scores a checkpoint on every data.val image alone and returns their
// confusion matrices in image order (their sum is Checkpoint's), for resampling statistics
// over the images; the checkpoint is checked as Checkpoint checks it.
func CheckpointPerImage(setup *train.Setup, ckpt string) ([]*metrics.Confusion, error) {
	if setup.Val == nil {
		return nil, fmt.Errorf("%s: data.val: evaluation needs a labelled validation set", setup.Tree.Path())
	}
	r, err := infer.Restore(setup.Root.Backend, ckpt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p, err := infer.NewPredictor(r.B, r.Ctx, train.Inference(setup.Seg, setup.Strategy))
	if err != nil {
		return nil, err
	}
	out := make([]*metrics.Confusion, setup.Val.Len())
	for i := range out {
		if out[i], err = infer.Evaluate(p, oneImage{setup.Val, i}, 1, nil); err != nil {
			return nil, fmt.Errorf("evaluate checkpoint %s: val image %d: %w", ckpt, i, err)
		}
		if i == 0 {
			if err := r.Snap.VerifyUsed(r.Ctx); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
