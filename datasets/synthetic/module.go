package synthetic

import (
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Module{}) }

// Module is the YAML block of dataset.synthetic: one split of one domain of the benchmark. Its
// options are Config's fields (domain, split, size, height, width, seed, shift); the seed is the
// benchmark's, not the run's.
type Module struct {
	Config
}

// Module implements registry.Module.
func (Module) Module() registry.Info {
	return registry.Info{
		ID:          "dataset.synthetic",
		Description: "built-in procedural street scenes, GTA5-like source and Cityscapes-like target domains",
		New:         func() registry.Module { return &Module{Config: DefaultConfig()} },
	}
}

// OpenDataset implements model.DatasetOpener.
func (m *Module) OpenDataset() (datasets.Dataset, error) { return New(m.Config) }
