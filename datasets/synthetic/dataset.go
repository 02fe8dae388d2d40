package synthetic

import (
	"fmt"

	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/datasets/classes"
)

// Dataset is one split of one domain of the synthetic benchmark. It implements
// datasets.Dataset; it holds no images, each Get renders one.
type Dataset struct {
	cfg Config
	st  *style
}

var _ datasets.Dataset = (*Dataset)(nil)

// New validates cfg and returns the dataset it describes.
func New(cfg Config) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Dataset{cfg: cfg, st: styleOf(cfg.Domain, cfg.Shift)}, nil
}

// Config returns the dataset's configuration.
func (d *Dataset) Config() Config { return d.cfg }

// Len returns the number of images.
func (d *Dataset) Len() int { return d.cfg.Size }

// NumClasses returns 19: labels are Cityscapes trainIds.
func (d *Dataset) NumClasses() int { return classes.NumCityscapes }

// Get renders image i, identical on every call.
func (d *Dataset) Get(i int) (datasets.Sample, error) {
	if i < 0 || i >= d.cfg.Size {
		return datasets.Sample{}, fmt.Errorf("synthetic %s/%s: index %d outside 0..%d", d.cfg.Domain, d.cfg.Split, i, d.cfg.Size-1)
	}
	r := imageRNG(d.cfg.Seed, d.cfg.Domain, d.cfg.Split, i)
	c, haze := render(r, d.st, d.cfg.Width, d.cfg.Height)
	return datasets.Sample{
		Name:  fmt.Sprintf("synth_%s_%s_%06d", d.cfg.Domain, d.cfg.Split, i),
		H:     d.cfg.Height,
		W:     d.cfg.Width,
		RGB:   finish(r, d.st, c, haze),
		Label: c.lab,
	}, nil
}

// Classes returns the trainIds the generator draws (road, sidewalk, building, pole, traffic
// sign, vegetation, terrain, sky, person, car). Score with metrics' MIoUOver(Classes()) so that
// stray predictions of never-drawn classes do not count as zero-IoU classes.
func Classes() []int {
	return []int{
		int(classes.Road), int(classes.Sidewalk), int(classes.Building), int(classes.Pole),
		int(classes.TrafficSign), int(classes.Vegetation), int(classes.Terrain), int(classes.Sky),
		int(classes.Person), int(classes.Car),
	}
}
