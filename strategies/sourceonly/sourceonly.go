// Package sourceonly registers "strategy.source_only": supervised training on the labelled
// source domain only, the lower bound of every adaptation table. With data.source set to
// labelled target images it is also the oracle (the upper bound).
package sourceonly

import (
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Config{}) }

// Config is the YAML block of strategy.source_only (it has no options).
type Config struct{}

// Module implements registry.Module.
func (Config) Module() registry.Info {
	return registry.Info{
		ID:          "strategy.source_only",
		Description: "supervised training on the source domain only (lower bound; oracle when the source is labelled target data)",
		New:         func() registry.Module { return &Config{} },
	}
}

// NewStrategy implements train.StrategyBuilder.
func (*Config) NewStrategy(*train.Env) (train.Strategy, error) { return SourceOnly{}, nil }

// SourceOnly is the strategy.
type SourceOnly struct{}

// Step is one iteration: segment the source batch, take the cross-entropy against its labels,
// update the segmentor.
func (SourceOnly) Step(s *train.Step) []train.Loss {
	// 1. Source forward: L_seg = CE(up(P(E(x_s))), y_s), ignore label 255.
	lseg := s.SegmentationLoss(s.Logits(s.Features(s.Source.Image)), s.Source.Label)
	// 2. Segmentor update: SGD with momentum, weight decay, poly LR and the 10x head.
	s.UpdateSegmentor(lseg)
	return []train.Loss{{Name: "seg", Value: lseg}}
}
