// Package train is dast's trainer: it assembles a run from a config (datasets, segmentor,
// strategy), builds one training-step graph from the strategy, and runs it with checkpoints,
// resume, NaN guard, progress and evaluation.
package train

import (
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Strategy is a training method (source-only, AdaptSegNet, DA, DAST, ...). Its Step builds one
// iteration into the step graph; it should read like the paper's algorithm: the forward passes,
// the losses and the updates, in order, in one function.
type Strategy interface {
	Step(s *Step) []Loss
}

// StrategyBuilder is implemented by strategy modules ("strategy.<name>").
type StrategyBuilder interface {
	NewStrategy(env *Env) (Strategy, error)
}

func init() { registry.DeclareKind[StrategyBuilder]("strategy") }

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

// Env is what a strategy may use to build itself: the resolved config (for its
// discriminators) and the segmentor.
type Env struct {
	Root      *config.Root
	Tree      *config.Tree
	Segmentor model.Segmentor
	Classes   int
}

// Loss is one named scalar a step reports (logged, checked for NaN/Inf).
type Loss struct {
	Name  string
	Value *graph.Node
}
