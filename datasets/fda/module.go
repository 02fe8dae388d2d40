package fda

import (
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Restyler{}) }

// Restyler is the YAML block of restyler.fda (data.select.restyle, the default): Fourier
// Domain Adaptation of the held-out source images toward the style images. It has no options;
// the band sizes are data.select.betas.
type Restyler struct{}

// Module implements registry.Module.
func (Restyler) Module() registry.Info {
	return registry.Info{
		ID:          "restyler.fda",
		Description: "Fourier Domain Adaptation: the source's low-frequency amplitude spectrum replaced by the style image's",
		New:         func() registry.Module { return &Restyler{} },
	}
}

// Restyle implements model.Restyler with NewDataset.
func (*Restyler) Restyle(src, style datasets.Dataset, beta float64) (datasets.Dataset, error) {
	return NewDataset(src, style, beta)
}
