package train

import (
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/model"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Inference is the model's inference for package infer: the strategy's own (Inferer) when it
// has one, else P(E(x)) in the segmentor's scope.
func Inference(seg model.Segmentor, st Strategy) infer.Forward {
	if inf, ok := st.(Inferer); ok {
		return func(ctx *context.Context, x *graph.Node) *graph.Node { return inf.Infer(ctx, seg, x) }
	}
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		sc := ctx.In(SegmentorScope)
		return seg.Predict(sc, seg.Extract(sc, x))
	}
}
