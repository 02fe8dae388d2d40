package train

// The optional interfaces the trainer looks for, in one place: a strategy or a dataset
// implements one to ask for a behaviour the trainer otherwise leaves out.

import (
	"github.com/dast-uda/dast/core/metrics"
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

// Optional interfaces of datasets.

// NativeLabeler is implemented by datasets whose ground truth is stored at a larger size than
// the (resized) images they serve: evaluation then upsamples the logits to the label file's
// size, as the paper scores Cityscapes val (1024x512 inputs, 2048x1024 labels).
type NativeLabeler interface {
	NativeLabel(i int) (ids []uint8, w, h int, err error)
}

// headerChecker is a dataset that can check its files' headers without decoding them
// (loader.PairDataset).
type headerChecker interface {
	CheckHeaders() error
}

// issueReporter is a dataset that counts what it skipped or repaired (loader.PairDataset).
type issueReporter interface {
	DataIssues() metrics.DataIssues
}

// substituter is a dataset whose Get(i) may return another entry in place of a skipped one
// (loader.PairDataset with skip_bad): a sequential pass leaves such an entry out.
type substituter interface {
	Substituted(i int) bool
}
