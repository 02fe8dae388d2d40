// Package train is dast's trainer: it assembles a run from a config (datasets, segmentor,
// strategy), builds one training-step graph from the strategy, and runs it with checkpoints,
// resume, NaN guard, progress and evaluation.
package train

import (
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/pkg/core/graph"
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
