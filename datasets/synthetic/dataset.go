package synthetic

import (
	"fmt"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/datasets"
)

// Dataset is one split of one domain of the synthetic benchmark. It implements
// datasets.Dataset; it holds no images, each Get renders one.
type Dataset struct {
	cfg Config
	st  *style // nil for the pretrain domain: each image draws its own
}

var _ datasets.Dataset = (*Dataset)(nil)

// New validates cfg and returns the dataset it describes.
func New(cfg Config) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Dataset{cfg: cfg}
	if cfg.Domain != Pretrain {
		d.st = styleOf(cfg.Domain, cfg.Shift)
	}
	return d, nil
}

// Config returns the dataset's configuration.
func (d *Dataset) Config() Config { return d.cfg }

// Len returns the number of images.
func (d *Dataset) Len() int { return d.cfg.Size }

// NumClasses returns 19 (labels are Cityscapes trainIds), or 7 for the pretrain domain
// (labels are Cityscapes categories).
func (d *Dataset) NumClasses() int {
	if d.cfg.Domain == Pretrain {
		return len(categoryNames)
	}
	return classes.NumCityscapes
}

// ClassNames implements model.ClassNamer.
func (d *Dataset) ClassNames() []string {
	if d.cfg.Domain == Pretrain {
		return append([]string(nil), categoryNames[:]...)
	}
	return classes.Names()
}

// Get renders image i, identical on every call.
func (d *Dataset) Get(i int) (datasets.Sample, error) {
	if i < 0 || i >= d.cfg.Size {
		return datasets.Sample{}, fmt.Errorf("synthetic %s/%s: index %d outside 0..%d", d.cfg.Domain, d.cfg.Split, i, d.cfg.Size-1)
	}
	r := imageRNG(d.cfg.Seed, d.cfg.Domain, d.cfg.Split, i)
	st := d.st
	if st == nil {
		st = randomStyle(r)
	}
	c, haze := render(r, st, d.cfg.Width, d.cfg.Height)
	rgb := finish(r, st, c, haze)
	if d.cfg.Domain == Pretrain {
		toCategories(c.lab)
	}
	return datasets.Sample{
		Name:  fmt.Sprintf("synth_%s_%s_%06d", d.cfg.Domain, d.cfg.Split, i),
		H:     d.cfg.Height,
		W:     d.cfg.Width,
		RGB:   rgb,
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
