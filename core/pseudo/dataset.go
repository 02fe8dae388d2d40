package pseudo

// The reader of the files Writer writes: DIR/<FileName(sample name)>, trainId PNGs with 255
// for pixels left unlabelled, and the stats file.

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/data"
)

// Labelled is a dataset whose labels come from a pseudo-label directory.
type Labelled struct {
	images data.Dataset
	dir    string
}

// Wrap pairs images with the pseudo labels in dir; it checks that dir holds pseudo labels
// (their stats file), and each Get checks its own label file.
func Wrap(images data.Dataset, dir string) (*Labelled, error) {
	if _, err := os.Stat(filepath.Join(dir, StatsFile)); err != nil {
		return nil, fmt.Errorf("pseudo labels %s: %w (make them with dast pseudo)", dir, err)
	}
	return &Labelled{images: images, dir: dir}, nil
}

// Len implements data.Dataset.
func (d *Labelled) Len() int { return d.images.Len() }

// NumClasses implements data.Dataset.
func (d *Labelled) NumClasses() int { return d.images.NumClasses() }

// Get returns image i with its pseudo label.
func (d *Labelled) Get(i int) (data.Sample, error) {
	s, err := d.images.Get(i)
	if err != nil {
		return s, err
	}
	path := filepath.Join(d.dir, FileName(s.Name))
	ids, w, h, err := data.ReadLabel(path)
	if err != nil {
		return s, fmt.Errorf("pseudo label of %s: %w", s.Name, err)
	}
	if w != s.W || h != s.H {
		return s, fmt.Errorf("pseudo label %s is %dx%d, image %s is %dx%d", path, w, h, s.Name, s.W, s.H)
	}
	s.Label = ids
	return s, nil
}
