package train

import (
	"fmt"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/datasets"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Predictor runs a trained segmentor on images and returns per-pixel class predictions at the
// image size (logits upsampled bilinearly with align_corners, then argmax).
type Predictor struct {
	exec *context.Exec
}

// NewPredictor compiles inference for seg (with the strategy's own inference when it has one)
// over the variables of ctx.
func NewPredictor(b backends.Backend, ctx *context.Context, seg model.Segmentor, st Strategy) (*Predictor, error) {
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		return graph.ConvertDType(graph.ArgMax(upsampledLogits(ctx, seg, st, x), -1), dtypes.Int32)
	})
	if err != nil {
		return nil, err
	}
	return &Predictor{exec: e}, nil
}

// upsampledLogits is the model's inference (the strategy's, when it has its own) with logits
// upsampled bilinearly (align_corners) to the image size.
func upsampledLogits(ctx *context.Context, seg model.Segmentor, st Strategy, x *graph.Node) *graph.Node {
	var logits *graph.Node
	if inf, ok := st.(Inferer); ok {
		logits = inf.Infer(ctx, seg, x)
	} else {
		sc := ctx.In(SegmentorScope)
		logits = seg.Predict(sc, seg.Extract(sc, x))
	}
	d := x.Shape().Dimensions
	return UpsampleToSize(logits, d[1], d[2])
}

// Prober returns the model's per-pixel class probabilities (softmax of the upsampled logits),
// the input of pseudo-labelling.
type Prober struct {
	exec *context.Exec
}

// NewProber compiles probability inference like NewPredictor.
func NewProber(b backends.Backend, ctx *context.Context, seg model.Segmentor, st Strategy) (*Prober, error) {
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		return nn.Softmax(upsampledLogits(ctx, seg, st, x))
	})
	if err != nil {
		return nil, err
	}
	return &Prober{exec: e}, nil
}

// Probabilities returns one sample's probabilities, HWC [H*W*classes].
func (p *Prober) Probabilities(s datasets.Sample) ([]float32, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	x := tensors.FromFlatDataAndDimensions(datasets.ToInput(s), 1, s.H, s.W, 3)
	out, err := p.exec.Exec1(x)
	if err != nil {
		return nil, fmt.Errorf("probabilities of %s: %w", s.Name, err)
	}
	return tensors.CopyFlatData[float32](out)
}

// UpsampleToSize resizes logits bilinearly (align_corners) to h x w.
func UpsampleToSize(logits *graph.Node, h, w int) *graph.Node {
	d := logits.Shape().Dimensions
	if d[1] == h && d[2] == w {
		return logits
	}
	return resize(logits, h, w)
}

// Predict returns the class map [N*H*W] of a batch of same-sized samples.
func (p *Predictor) Predict(batch []datasets.Sample) ([]int32, error) {
	if err := datasets.CheckBatch(batch...); err != nil {
		return nil, err
	}
	x := tensors.FromFlatDataAndDimensions(datasets.ToInput(batch...), len(batch), batch[0].H, batch[0].W, 3)
	out, err := p.exec.Exec1(x)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	return tensors.CopyFlatData[int32](out)
}

// Evaluate predicts every sample of ds in batches and returns the confusion matrix.
func Evaluate(p *Predictor, ds datasets.Dataset, batchSize int, progress func(done int)) (*metrics.Confusion, error) {
	conf := metrics.NewConfusion(ds.NumClasses())
	for start := 0; start < ds.Len(); start += batchSize {
		end := min(start+batchSize, ds.Len())
		batch := make([]datasets.Sample, 0, end-start)
		for i := start; i < end; i++ {
			s, err := ds.Get(i)
			if err != nil {
				return nil, fmt.Errorf("evaluate: sample %d: %w", i, err)
			}
			if s.Label == nil {
				return nil, fmt.Errorf("evaluate: sample %d (%s) has no label", i, s.Name)
			}
			batch = append(batch, s)
		}
		pred, err := p.Predict(batch)
		if err != nil {
			return nil, err
		}
		if err := conf.Add(pred, datasets.Labels(batch...)); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		if progress != nil {
			progress(end - start)
		}
	}
	return conf, nil
}
