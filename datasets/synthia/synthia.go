// Package synthia loads SYNTHIA-RAND-CITYSCAPES: RGB/NNNNNNN.png with GT/LABELS/NNNNNNN.png,
// 16-bit 3-channel PNGs whose first channel is the SYNTHIA class id (the second holds instance
// ids and is ignored), mapped to the 19-class Cityscapes trainIds or to the 16-class SYNTHIA
// space. It registers the module dataset.synthia.
package synthia

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
const RootEnv = "DAST_SYNTHIA_ROOT"

// Module is the YAML block of dataset.synthia.
type Module struct {
	Root     string `koanf:"root" doc:"dataset directory holding RGB/ and GT/LABELS/; when empty, the environment variable DAST_SYNTHIA_ROOT"`
	List     string `koanf:"list" doc:"optional list file of image names (0000001.png per line); empty: every RGB/*.png, sorted"`
	Resize   []int  `koanf:"resize" doc:"output size [width, height]: images bicubic, labels nearest; [0, 0] keeps the native 1280x760"`
	Classes  int    `koanf:"classes" doc:"label space: 19 (Cityscapes trainIds; terrain, truck, train never occur) or 16 (the SYNTHIA 16-class space)"`
	Holdout  int    `koanf:"holdout" doc:"images set aside (e.g. for snapshot selection), evenly spaced over the sorted list: every len/N-th; 0: none"`
	Part     string `koanf:"part" doc:"with holdout: train (every image except the held-out ones) or holdout (only those)"`
	SkipBad  bool   `koanf:"skip_bad" doc:"skip (and count) missing or undecodable files instead of failing"`
	Prefetch int    `koanf:"prefetch" doc:"samples decoded ahead by sequential passes (evaluation, pseudo-labels)"`
}

// Module implements registry.Module.
func (Module) Module() registry.Info {
	return registry.Info{
		ID:          "dataset.synthia",
		Description: "SYNTHIA-RAND-CITYSCAPES (RGB/, 16-bit GT/LABELS/), 19 or 16 classes",
		New: func() registry.Module {
			return &Module{Resize: []int{1280, 760}, Classes: 19, Part: loader.PartTrain, Prefetch: 4}
		},
	}
}

// Validate checks the options.
func (m *Module) Validate() error {
	if _, err := loader.ParseSize(m.Resize); err != nil {
		return fmt.Errorf("synthia: %w", err)
	}
	if m.Classes != 19 && m.Classes != 16 {
		return fmt.Errorf("synthia: classes %d: want 19 or 16", m.Classes)
	}
	if m.Prefetch < 0 {
		return fmt.Errorf("synthia: prefetch %d: want 0 or more", m.Prefetch)
	}
	if err := loader.CheckHoldout(m.Holdout, m.Part); err != nil {
		return fmt.Errorf("synthia: %w", err)
	}
	return nil
}

// OpenDataset implements model.DatasetOpener.
func (m *Module) OpenDataset() (datasets.Dataset, error) { return Open(m) }

// Facts of the SYNTHIA-RAND-CITYSCAPES release (Ros et al. 2016).
const (
	ReleaseImages = 9400
	NativeWidth   = 1280
	NativeHeight  = 760
)

// DeclaredFacts implements model.DatasetDeclarer: the served size, class space and the image
// count of the full release for these options, without reading the disk.
func (m *Module) DeclaredFacts() (model.DatasetFacts, error) {
	if err := m.Validate(); err != nil {
		return model.DatasetFacts{}, err
	}
	f := model.DatasetFacts{Kind: "synthia", Classes: m.Classes, ClassNames: classes.Names(),
		Width: NativeWidth, Height: NativeHeight, Labelled: true}
	if m.Classes == classes.NumSynthia16 {
		f.ClassNames = classes.Synthia16Names()
	}
	if size, _ := loader.ParseSize(m.Resize); size.W > 0 {
		f.Width, f.Height = size.W, size.H
	}
	if m.List == "" {
		n, err := loader.HoldoutCount(ReleaseImages, m.Holdout, m.Part)
		if err != nil {
			return model.DatasetFacts{}, fmt.Errorf("synthia: %w", err)
		}
		f.Images = n
	}
	return f, nil
}

// Dataset is an opened SYNTHIA dataset.
type Dataset struct {
	*loader.PairDataset
	prefetch int
}

// Prefetch returns the configured prefetch depth for loader.Stream.
func (d *Dataset) Prefetch() int { return max(d.prefetch, 1) }

// LabelReader returns the reader of SYNTHIA label files into the given space (19 or 16).
func LabelReader(numClasses int) loader.LabelReader {
	var lut [256]uint8
	for v := range lut {
		if numClasses == 16 {
			lut[v] = classes.SynthiaToTrainID16(uint16(v))
		} else {
			lut[v] = classes.SynthiaToTrainID19(uint16(v))
		}
	}
	return func(path string) ([]uint8, int, int, error) {
		// datasets.ReadLabel takes the first (R) channel's full 16-bit value of an RGB PNG.
		ids, w, h, err := datasets.ReadLabel(path)
		if err != nil {
			return nil, 0, 0, err
		}
		for i, v := range ids {
			ids[i] = lut[v]
		}
		return ids, w, h, nil
	}
}

// Open lists the dataset's files (list file or directory scan) and returns the dataset.
func Open(m *Module) (*Dataset, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	size, _ := loader.ParseSize(m.Resize)
	root, err := loader.ResolveRoot(m.Root, RootEnv)
	if err != nil {
		return nil, fmt.Errorf("synthia: %w", err)
	}
	var names []string
	if m.List != "" {
		if names, err = loader.ReadList(m.List); err != nil {
			return nil, fmt.Errorf("synthia: %w", err)
		}
	} else if names, err = loader.ScanDir(filepath.Join(root, "RGB"), ".png", false); err != nil {
		return nil, fmt.Errorf("synthia: %w", err)
	}
	if names, err = loader.SplitHoldout(names, m.Holdout, m.Part); err != nil {
		return nil, fmt.Errorf("synthia: %w", err)
	}
	pairs := make([]loader.Pair, len(names))
	for i, n := range names {
		if !strings.HasSuffix(n, ".png") {
			n += ".png"
		}
		pairs[i] = loader.Pair{
			Name:  strings.TrimSuffix(path.Base(n), ".png"),
			Image: filepath.Join(root, "RGB", filepath.FromSlash(n)),
			Label: filepath.Join(root, "GT", "LABELS", filepath.FromSlash(n)),
		}
	}
	names16 := classes.Names()
	if m.Classes == 16 {
		names16 = classes.Synthia16Names()
	}
	pd, err := loader.NewPairDataset(loader.Config{
		Kind: "synthia", Pairs: pairs, ReadLabel: LabelReader(m.Classes),
		NumClasses: m.Classes, ClassNames: names16,
		Resize: size, SkipBad: m.SkipBad,
	})
	if err != nil {
		return nil, err
	}
	return &Dataset{PairDataset: pd, prefetch: m.Prefetch}, nil
}
