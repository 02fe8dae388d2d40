package train

import (
	"fmt"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/model"
)

// Declared stands in for a dataset that was not opened: it knows what its module declares
// (classes, sample size, the release's image count) and serves no samples.
type Declared struct {
	Path  string // the config block ("data.source")
	Facts model.DatasetFacts
}

var _ data.Dataset = (*Declared)(nil)

// Len is the declared image count (1 when it depends on the disk, e.g. a list file).
func (d *Declared) Len() int { return max(d.Facts.Images, 1) }

// NumClasses implements data.Dataset.
func (d *Declared) NumClasses() int { return d.Facts.Classes }

// ClassNames implements model.ClassNamer.
func (d *Declared) ClassNames() []string { return d.Facts.ClassNames }

// Get fails: a declared dataset has no samples.
func (d *Declared) Get(i int) (data.Sample, error) {
	return data.Sample{}, fmt.Errorf("%s: %s was not opened (declared facts only): no sample %d", d.Path, d.Facts.Kind, i)
}

// openDeclared returns a Declared stand-in for a module that declares its facts, and opens
// any other dataset (the in-memory synthetic one).
func openDeclared(tree *config.Tree, path string) (data.Dataset, error) {
	mod, err := tree.Component(path, "dataset")
	if err != nil {
		return nil, err
	}
	dd, ok := mod.(model.DatasetDeclarer)
	if !ok {
		return openDataset(tree, path)
	}
	f, err := dd.DeclaredFacts()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", tree.Path(), path, err)
	}
	if f.Classes <= 0 || f.Width <= 0 || f.Height <= 0 {
		return nil, fmt.Errorf("%s: %s: %s declares %d classes at %dx%d", tree.Path(), path, f.Kind, f.Classes, f.Width, f.Height)
	}
	return &Declared{Path: path, Facts: f}, nil
}

// SampleSize returns the height and width of ds's samples: the declared size of a Declared
// stand-in, else the size of sample 0.
func SampleSize(ds data.Dataset) (h, w int, err error) {
	if d, ok := ds.(*Declared); ok {
		return d.Facts.Height, d.Facts.Width, nil
	}
	s, err := ds.Get(0)
	if err != nil {
		return 0, 0, fmt.Errorf("sample 0: %w", err)
	}
	return s.H, s.W, nil
}
