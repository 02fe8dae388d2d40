// Package pseudolabel pairs a dataset's images with pseudo labels written by dast pseudo (or
// core/train.PseudoLabel): DIR/<pseudo.FileName(sample name)>, trainId PNGs with 255 for
// pixels left unlabelled.
package pseudolabel

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/datasets"
)

// Dataset is a dataset whose labels come from a pseudo-label directory.
type Dataset struct {
	images datasets.Dataset
	dir    string
}

// Wrap pairs images with the pseudo labels in dir; it checks that dir holds pseudo labels
// (their stats file), and each Get checks its own label file.
func Wrap(images datasets.Dataset, dir string) (*Dataset, error) {
	if _, err := os.Stat(filepath.Join(dir, pseudo.StatsFile)); err != nil {
		return nil, fmt.Errorf("pseudo labels %s: %w (make them with dast pseudo)", dir, err)
	}
	return &Dataset{images: images, dir: dir}, nil
}

// Len implements datasets.Dataset.
func (d *Dataset) Len() int { return d.images.Len() }

// NumClasses implements datasets.Dataset.
func (d *Dataset) NumClasses() int { return d.images.NumClasses() }

// Get returns image i with its pseudo label.
func (d *Dataset) Get(i int) (datasets.Sample, error) {
	s, err := d.images.Get(i)
	if err != nil {
		return s, err
	}
	path := filepath.Join(d.dir, pseudo.FileName(s.Name))
	ids, w, h, err := datasets.ReadLabel(path)
	if err != nil {
		return s, fmt.Errorf("pseudo label of %s: %w", s.Name, err)
	}
	if w != s.W || h != s.H {
		return s, fmt.Errorf("pseudo label %s is %dx%d, image %s is %dx%d", path, w, h, s.Name, s.W, s.H)
	}
	s.Label = ids
	return s, nil
}
