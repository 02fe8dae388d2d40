// Package objectives registers the GAN objectives a discriminator trains with:
// "objective.lsgan" (least squares, DAST's choice) and "objective.bce" (binary cross-entropy
// with logits, AdaptSegNet's "vanilla" GAN). Both compare discriminator logits with a
// constant domain label (source = 0, target = 1), optionally weighted per pixel, and average
// over all elements; the formulas are core/losses' LSGAN and BCEWithLogits.
//
// Halving the discriminator loss (AdaptSegNet does, the DAST release does not) is the
// strategy's switch, not the objective's.
package objectives

import (
	"github.com/dast-uda/dast/core/losses"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

func init() {
	registry.Register(LSGAN{})
	registry.Register(BCE{})
}

// Domain labels of the GAN objectives.
const (
	SourceLabel = 0.0
	TargetLabel = 1.0
)

// LSGAN is the YAML block of objective.lsgan (no options) and the objective itself:
// mean(weight * (pred - label)^2).
type LSGAN struct{}

// Module implements registry.Module.
func (LSGAN) Module() registry.Info {
	return registry.Info{
		ID:          "objective.lsgan",
		Description: "least-squares GAN: mean squared error of the logits against the domain label (DAST)",
		New:         func() registry.Module { return &LSGAN{} },
	}
}

// NewObjective implements model.ObjectiveBuilder.
func (LSGAN) NewObjective() (model.Objective, error) { return LSGAN{}, nil }

// Loss implements model.Objective with losses.LSGAN.
func (LSGAN) Loss(pred *graph.Node, label float64, weight *graph.Node) *graph.Node {
	return losses.LSGAN(pred, label, weight)
}

// BCE is the YAML block of objective.bce (no options) and the objective itself: the mean
// weighted binary cross-entropy of the logits against the label.
type BCE struct{}

// Module implements registry.Module.
func (BCE) Module() registry.Info {
	return registry.Info{
		ID:          "objective.bce",
		Description: "vanilla GAN: binary cross-entropy with logits against the domain label (AdaptSegNet)",
		New:         func() registry.Module { return &BCE{} },
	}
}

// NewObjective implements model.ObjectiveBuilder.
func (BCE) NewObjective() (model.Objective, error) { return BCE{}, nil }

// Loss implements model.Objective with losses.BCEWithLogits.
func (BCE) Loss(pred *graph.Node, label float64, weight *graph.Node) *graph.Node {
	return losses.BCEWithLogits(pred, label, weight)
}
