package train

import (
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/pseudo"
)

// PseudoLabel predicts every image of ds with the checkpoint's model (with the strategy's
// inference, so a DA model's attention applies) and writes class-balanced pseudo labels to dir
// (pseudo.Generate), in batches of eval.batch_size. Every variable inference needs must come
// from the checkpoint.
func PseudoLabel(setup *Setup, ckpt string, ds data.Dataset, dir string, o pseudo.Options, progress func(total int, what string) Progress) (pseudo.Stats, error) {
	if err := o.Check(); err != nil {
		return pseudo.Stats{}, err
	}
	r, err := infer.Restore(setup.Root.Backend, ckpt)
	if err != nil {
		return pseudo.Stats{}, err
	}
	defer r.Close()
	p, err := infer.NewProber(r.B, r.Ctx, Inference(setup.Seg, setup.Strategy))
	if err != nil {
		return pseudo.Stats{}, err
	}
	var prog func(total int, what string) pseudo.Progress
	if progress != nil {
		prog = func(total int, what string) pseudo.Progress { return progress(total, what) }
	}
	verify := func() error { return r.Snap.VerifyUsed(r.Ctx) }
	return pseudo.Generate(p, verify, ds, dir, setup.ClassNames, setup.Root.Eval.BatchSize, o, prog)
}
