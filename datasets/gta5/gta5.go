// Package gta5 loads the GTA5 dataset (Richter et al., "Playing for Data"): images/NNNNN.png
// with labels/NNNNN.png holding Cityscapes label ids (8-bit grey or palette PNGs), mapped to
// the 19 Cityscapes trainIds. It registers the module dataset.gta5.
package gta5

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/datasets/loader"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Module{}) }

// RootEnv is the environment variable read when the root option is empty.
const RootEnv = "DAST_GTA5_ROOT"

// Module is the YAML block of dataset.gta5.
type Module struct {
	Root     string `koanf:"root" doc:"dataset directory holding images/ and labels/; when empty, the environment variable DAST_GTA5_ROOT"`
	List     string `koanf:"list" doc:"optional list file of image names (00001.png per line); empty: every images/*.png, sorted"`
	Resize   []int  `koanf:"resize" doc:"output size [width, height]: images bicubic, labels nearest; [0, 0] keeps the native 1914x1052"`
	Holdout  int    `koanf:"holdout" doc:"images set aside (e.g. for snapshot selection), evenly spaced over the sorted list: every len/N-th; 0: none"`
	Part     string `koanf:"part" doc:"with holdout: train (every image except the held-out ones) or holdout (only those)"`
	SkipBad  bool   `koanf:"skip_bad" doc:"skip (and count) missing or undecodable files instead of failing"`
	Prefetch int    `koanf:"prefetch" doc:"samples decoded ahead by sequential passes (evaluation, pseudo-labels)"`
}

// Module implements registry.Module.
func (Module) Module() registry.Info {
	return registry.Info{
		ID:          "dataset.gta5",
		Description: "GTA5 (images/, labels/ with Cityscapes label ids), 19 Cityscapes classes",
		New:         func() registry.Module { return &Module{Resize: []int{1280, 720}, Part: loader.PartTrain, Prefetch: 4} },
	}
}

// Validate checks the options.
func (m *Module) Validate() error {
	if _, err := loader.ParseSize(m.Resize); err != nil {
		return fmt.Errorf("gta5: %w", err)
	}
	if m.Prefetch < 0 {
		return fmt.Errorf("gta5: prefetch %d: want 0 or more", m.Prefetch)
	}
	if err := loader.CheckHoldout(m.Holdout, m.Part); err != nil {
		return fmt.Errorf("gta5: %w", err)
	}
	return nil
}

// OpenDataset implements model.DatasetOpener.
func (m *Module) OpenDataset() (datasets.Dataset, error) { return Open(m) }

// Facts of the GTA5 release (Richter et al. 2016).
const (
	ReleaseImages = 24966 // image/label pairs
	NativeWidth   = 1914  // most images; a few hundred differ slightly (checked by dast data check)
	NativeHeight  = 1052
)

// DeclaredFacts implements model.DatasetDeclarer: the served size and the image count of the
// full release for these options, without reading the disk.
func (m *Module) DeclaredFacts() (model.DatasetFacts, error) {
	if err := m.Validate(); err != nil {
		return model.DatasetFacts{}, err
	}
	f := model.DatasetFacts{Kind: "gta5", Classes: classes.NumCityscapes, ClassNames: classes.Names(),
		Width: NativeWidth, Height: NativeHeight, Labelled: true}
	if size, _ := loader.ParseSize(m.Resize); size.W > 0 {
		f.Width, f.Height = size.W, size.H
	}
	if m.List == "" {
		n, err := loader.HoldoutCount(ReleaseImages, m.Holdout, m.Part)
		if err != nil {
			return model.DatasetFacts{}, fmt.Errorf("gta5: %w", err)
		}
		f.Images = n
	}
	return f, nil
}

// Dataset is an opened GTA5 dataset.
type Dataset struct {
	*loader.PairDataset
	prefetch int
}

// Prefetch returns the configured prefetch depth for loader.Stream.
func (d *Dataset) Prefetch() int { return max(d.prefetch, 1) }

// Open lists the dataset's files (list file or directory scan) and returns the dataset.
func Open(m *Module) (*Dataset, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	size, _ := loader.ParseSize(m.Resize)
	root, err := loader.ResolveRoot(m.Root, RootEnv)
	if err != nil {
		return nil, fmt.Errorf("gta5: %w", err)
	}
	var names []string
	if m.List != "" {
		if names, err = loader.ReadList(m.List); err != nil {
			return nil, fmt.Errorf("gta5: %w", err)
		}
	} else if names, err = loader.ScanDir(filepath.Join(root, "images"), ".png", false); err != nil {
		return nil, fmt.Errorf("gta5: %w", err)
	}
	if names, err = loader.SplitHoldout(names, m.Holdout, m.Part); err != nil {
		return nil, fmt.Errorf("gta5: %w", err)
	}
	pairs := make([]loader.Pair, len(names))
	for i, n := range names {
		if !strings.HasSuffix(n, ".png") {
			n += ".png"
		}
		pairs[i] = loader.Pair{
			Name:  strings.TrimSuffix(path.Base(n), ".png"),
			Image: filepath.Join(root, "images", filepath.FromSlash(n)),
			Label: filepath.Join(root, "labels", filepath.FromSlash(n)),
		}
	}
	pd, err := loader.NewPairDataset(loader.Config{
		Kind: "gta5", Pairs: pairs, ReadLabel: loader.ReadCityscapesLabel,
		NumClasses: classes.NumCityscapes, ClassNames: classes.Names(),
		Resize: size, SkipBad: m.SkipBad,
	})
	if err != nil {
		return nil, err
	}
	return &Dataset{PairDataset: pd, prefetch: m.Prefetch}, nil
}
