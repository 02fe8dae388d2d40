package synthetic

import (
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Module{}) }

// Module is the YAML block of dataset.synthetic: one split of one domain of the benchmark.
type Module struct {
	Domain string `koanf:"domain" doc:"source (GTA5-like) or target (Cityscapes-like)"`
	Split  string `koanf:"split" doc:"train or val"`
	Size   int    `koanf:"size" doc:"number of images"`
	Height int    `koanf:"height" doc:"image height in pixels"`
	Width  int    `koanf:"width" doc:"image width in pixels"`
	Seed   int64  `koanf:"seed" doc:"benchmark seed (images depend on seed, domain, split and index; not the run seed)"`
}

// Module implements registry.Module.
func (Module) Module() registry.Info {
	return registry.Info{
		ID:          "dataset.synthetic",
		Description: "built-in procedural street scenes, GTA5-like source and Cityscapes-like target domains",
		New: func() registry.Module {
			d := DefaultConfig()
			return &Module{Domain: d.Domain, Split: d.Split, Size: d.Size, Height: d.Height, Width: d.Width, Seed: d.Seed}
		},
	}
}

func (m *Module) config() Config {
	return Config{Domain: m.Domain, Split: m.Split, Size: m.Size, Height: m.Height, Width: m.Width, Seed: m.Seed}
}

// Validate implements registry.Validator.
func (m *Module) Validate() error { return m.config().Validate() }

// OpenDataset implements model.DatasetOpener.
func (m *Module) OpenDataset() (datasets.Dataset, error) { return New(m.config()) }
