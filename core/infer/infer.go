// Package infer runs a trained segmentation model: per-pixel class predictions and
// probabilities at the image (or ground truth) size, the confusion matrix of its predictions
// on a labelled dataset, and a checkpoint's weights restored for it. It knows the model as a
// Forward function, not the strategy or the segmentor behind it.
package infer

import (
	"fmt"

	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Forward is a model's inference: the logits [N,h,w,classes] of images x [N,H,W,3] (BGR minus
// the mean) with the variables of ctx, at the model's own output resolution.
type Forward func(ctx *context.Context, x *graph.Node) *graph.Node

// Predictor runs a trained segmentor on images and returns per-pixel class predictions
// (logits upsampled bilinearly with align_corners, then argmax) at the image size, or at the
// ground truth's own size when that differs (PredictAt).
type Predictor struct {
	b     backends.Backend
	ctx   *context.Context
	fwd   Forward
	execs map[[2]int]*context.Exec // by output size; {0,0} = the image size
}

// NewPredictor prepares the inference fwd over the variables of ctx; graphs compile on first
// use.
func NewPredictor(b backends.Backend, ctx *context.Context, fwd Forward) (*Predictor, error) {
	return &Predictor{b: b, ctx: ctx, fwd: fwd, execs: map[[2]int]*context.Exec{}}, nil
}

func (p *Predictor) exec(h, w int) (*context.Exec, error) {
	key := [2]int{h, w}
	if e, ok := p.execs[key]; ok {
		return e, nil
	}
	e, err := context.NewExec(p.b, p.ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		logits := UpsampledLogits(ctx, p.fwd, x)
		if h > 0 && w > 0 {
			logits = UpsampleToSize(logits, h, w)
		}
		return graph.ConvertDType(graph.ArgMax(logits, -1), dtypes.Int32)
	})
	if err != nil {
		return nil, err
	}
	p.execs[key] = e
	return e, nil
}

// UpsampledLogits is the model's inference fwd with logits upsampled bilinearly
// (align_corners) to the image size.
func UpsampledLogits(ctx *context.Context, fwd Forward, x *graph.Node) *graph.Node {
	logits := fwd(ctx, x)
	d := x.Shape().Dimensions
	return UpsampleToSize(logits, d[1], d[2])
}

// Prober returns the model's per-pixel class probabilities (softmax of the upsampled logits),
// the input of pseudo-labelling.
type Prober struct {
	exec *context.Exec
}

// NewProber compiles probability inference like NewPredictor.
func NewProber(b backends.Backend, ctx *context.Context, fwd Forward) (*Prober, error) {
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		return nn.Softmax(UpsampledLogits(ctx, fwd, x))
	})
	if err != nil {
		return nil, err
	}
	return &Prober{exec: e}, nil
}

// Probabilities returns one sample's probabilities, HWC [H*W*classes].
func (p *Prober) Probabilities(s data.Sample) ([]float32, error) {
	out, err := p.Batch([]data.Sample{s})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Batch returns the probabilities of same-sized samples, one HWC [H*W*classes] slice each,
// computed in one execution.
func (p *Prober) Batch(batch []data.Sample) ([][]float32, error) {
	if err := data.CheckBatch(batch...); err != nil {
		return nil, err
	}
	s := batch[0]
	x := tensors.FromFlatDataAndDimensions(data.ToInput(batch...), len(batch), s.H, s.W, 3)
	out, err := p.exec.Exec1(x)
	if err != nil {
		return nil, fmt.Errorf("probabilities of %s: %w", s.Name, err)
	}
	flat, err := tensors.CopyFlatData[float32](out)
	if err != nil {
		return nil, err
	}
	n := len(flat) / len(batch)
	res := make([][]float32, len(batch))
	for i := range res {
		res[i] = flat[i*n : (i+1)*n : (i+1)*n]
	}
	return res, nil
}

// UpsampleToSize resizes logits bilinearly (align_corners) to h x w.
func UpsampleToSize(logits *graph.Node, h, w int) *graph.Node {
	d := logits.Shape().Dimensions
	if d[1] == h && d[2] == w {
		return logits
	}
	return nn.ResizeBilinear(logits, h, w, true)
}

// Predict returns the class map [N*H*W] of a batch of same-sized samples, at the image size.
func (p *Predictor) Predict(batch []data.Sample) ([]int32, error) {
	return p.PredictAt(batch, 0, 0)
}

// PredictAt is Predict with the logits upsampled to h x w (0, 0: the image size), the
// resolution of ground truth that is larger than the network's input.
func (p *Predictor) PredictAt(batch []data.Sample, h, w int) ([]int32, error) {
	if err := data.CheckBatch(batch...); err != nil {
		return nil, err
	}
	if h == batch[0].H && w == batch[0].W {
		h, w = 0, 0
	}
	e, err := p.exec(h, w)
	if err != nil {
		return nil, err
	}
	x := tensors.FromFlatDataAndDimensions(data.ToInput(batch...), len(batch), batch[0].H, batch[0].W, 3)
	out, err := e.Exec1(x)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	return tensors.CopyFlatData[int32](out)
}

// Evaluate predicts every sample of ds in batches and returns the confusion matrix. Datasets
// with native-resolution labels (data.NativeLabeler) are scored one image at a time at that
// resolution. Entries a dataset skipped (skip_bad) are left out, not scored as the entry
// that stands in for them.
func Evaluate(p *Predictor, ds data.Dataset, batchSize int, progress func(done int)) (*metrics.Confusion, error) {
	conf := metrics.NewConfusion(ds.NumClasses())
	sub, _ := ds.(data.Substituter)
	skipped := func(i int) bool { return sub != nil && sub.Substituted(i) }
	// Skipped entries are reported with the next scored ones: callers may expect a call of
	// progress to follow a prediction (eval.Checkpoint verifies the checkpoint then).
	pending := 0
	report := func(n int) {
		if progress != nil {
			progress(n + pending)
			pending = 0
		}
	}
	defer func() {
		if pending > 0 && progress != nil {
			progress(pending)
		}
	}()
	if nl, ok := ds.(data.NativeLabeler); ok {
		for i := 0; i < ds.Len(); i++ {
			if skipped(i) {
				pending++
				continue
			}
			s, err := ds.Get(i)
			if err != nil {
				return nil, fmt.Errorf("evaluate: sample %d: %w", i, err)
			}
			if skipped(i) { // found bad by this Get: s stands in for another entry
				pending++
				continue
			}
			ids, w, h, err := nl.NativeLabel(i)
			if err != nil {
				return nil, fmt.Errorf("evaluate: sample %d: %w", i, err)
			}
			if ids == nil {
				return nil, fmt.Errorf("evaluate: sample %d (%s) has no label", i, s.Name)
			}
			pred, err := p.PredictAt([]data.Sample{s}, h, w)
			if err != nil {
				return nil, err
			}
			gt := make([]int32, len(ids))
			for j, v := range ids {
				gt[j] = int32(v)
			}
			if err := conf.Add(pred, gt); err != nil {
				return nil, fmt.Errorf("evaluate %s: %w", s.Name, err)
			}
			report(1)
		}
		return conf, nil
	}
	for start := 0; start < ds.Len(); start += batchSize {
		end := min(start+batchSize, ds.Len())
		batch := make([]data.Sample, 0, end-start)
		for i := start; i < end; i++ {
			s, err := ds.Get(i)
			if err != nil {
				return nil, fmt.Errorf("evaluate: sample %d: %w", i, err)
			}
			if skipped(i) { // a skipped entry (skip_bad): s is another entry, scored at its own index
				pending++
				continue
			}
			if s.Label == nil {
				return nil, fmt.Errorf("evaluate: sample %d (%s) has no label", i, s.Name)
			}
			batch = append(batch, s)
		}
		if len(batch) == 0 {
			continue
		}
		pred, err := p.Predict(batch)
		if err != nil {
			return nil, err
		}
		if err := conf.Add(pred, data.Labels(batch...)); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		report(len(batch))
	}
	return conf, nil
}

// SubsetMIoUs is the mIoU of conf over the class subsets the source dataset defines (SYNTHIA's
// 16 and 13 classes), nil for datasets without any.
func SubsetMIoUs(source data.Dataset, conf *metrics.Confusion) map[string]float64 {
	if cs, ok := source.(model.ClassSubsetter); ok {
		return conf.SubsetMIoUs(cs.ClassSubsets())
	}
	return nil
}
