package train

// The optional interfaces the trainer looks for, in one place: a strategy implements one to ask
// for a behaviour the trainer otherwise leaves out. Those of datasets are in core/data
// (optional.go).

import (
	"github.com/dast-uda/dast/core/model"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Optional interfaces of strategies.

// TargetUser is implemented by strategies that train on target images; the trainer then feeds
// a target batch to every step.
type TargetUser interface {
	UsesTarget() bool
}

// PseudoLabelled is implemented by strategies that train on target images with pseudo labels
// (self-training): the trainer pairs the target set with the labels in PseudoLabelDir and feeds
// them as Step.Target.Label.
type PseudoLabelled interface {
	PseudoLabelDir() string
}

// Inferer is implemented by strategies whose inference differs from P(E(x)) (the DA models
// apply the discriminator attention to target images at inference too).
type Inferer interface {
	Infer(ctx *context.Context, seg model.Segmentor, x *graph.Node) *graph.Node
}

// Attender is implemented by strategies with discriminator attention (DAST's DA stage and
// rounds): AttentionMap returns alpha [N,h,w,1] at the feature resolution for images x.
type Attender interface {
	HasAttention() bool
	AttentionMap(ctx *context.Context, seg model.Segmentor, x *graph.Node) *graph.Node
}
