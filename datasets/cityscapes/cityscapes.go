// Package cityscapes loads Cityscapes: leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png with
// gtFine/<split>/<city>/<stem>_gtFine_labelIds.png (8-bit label ids), mapped to the 19
// Cityscapes trainIds. It registers the module dataset.cityscapes.
package cityscapes

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
const RootEnv = "DAST_CITYSCAPES_ROOT"

// File name suffixes of the Cityscapes layout.
const (
	ImageSuffix = "_leftImg8bit.png"
	LabelSuffix = "_gtFine_labelIds.png"
)

// Module is the YAML block of dataset.cityscapes.
type Module struct {
	Root     string `koanf:"root" doc:"dataset directory holding leftImg8bit/ and gtFine/; when empty, the environment variable DAST_CITYSCAPES_ROOT"`
	Split    string `koanf:"split" doc:"train, val, or test (images only: the test labels are not public; for dast predict and the benchmark server)"`
	List     string `koanf:"list" doc:"optional list file of images relative to leftImg8bit/<split> (city/stem_leftImg8bit.png per line); empty: a sorted scan"`
	Resize   []int  `koanf:"resize" doc:"output size [width, height]: images bicubic, labels nearest; [0, 0] keeps the native 2048x1024"`
	SkipBad  bool   `koanf:"skip_bad" doc:"skip (and count) missing or undecodable files instead of failing"`
	Prefetch int    `koanf:"prefetch" doc:"samples decoded ahead by sequential passes (evaluation, pseudo-labels)"`
	Classes  int    `koanf:"classes" doc:"label space: 19 (Cityscapes trainIds; 0 = 19) or 16 (the SYNTHIA 16-class space, for a 16-class SYNTHIA model)"`
}

// Module implements registry.Module.
func (Module) Module() registry.Info {
	return registry.Info{
		ID:          "dataset.cityscapes",
		Description: "Cityscapes (leftImg8bit/, gtFine/ label ids), train, val or test (images only), 19 classes (or SYNTHIA's 16)",
		New: func() registry.Module {
			return &Module{Split: "train", Resize: []int{1024, 512}, Prefetch: 4, Classes: 19}
		},
	}
}

// Validate checks the options.
func (m *Module) Validate() error {
	if m.Split != "train" && m.Split != "val" && m.Split != "test" {
		return fmt.Errorf("cityscapes: split %q: want train, val or test", m.Split)
	}
	if _, err := loader.ParseSize(m.Resize); err != nil {
		return fmt.Errorf("cityscapes: %w", err)
	}
	if m.Prefetch < 0 {
		return fmt.Errorf("cityscapes: prefetch %d: want 0 or more", m.Prefetch)
	}
	if m.Classes != 0 && m.Classes != classes.NumCityscapes && m.Classes != classes.NumSynthia16 {
		return fmt.Errorf("cityscapes: classes %d: want 19 or 16", m.Classes)
	}
	return nil
}

// OpenDataset implements model.DatasetOpener.
func (m *Module) OpenDataset() (datasets.Dataset, error) { return Open(m) }

// Facts of the Cityscapes release (Cordts et al. 2016), finely annotated splits.
const (
	TrainImages  = 2975
	ValImages    = 500
	TestImages   = 1525
	NativeWidth  = 2048
	NativeHeight = 1024
)

// DeclaredFacts implements model.DatasetDeclarer: the served size, class space and the split's
// image count in the release, without reading the disk.
func (m *Module) DeclaredFacts() (model.DatasetFacts, error) {
	if err := m.Validate(); err != nil {
		return model.DatasetFacts{}, err
	}
	f := model.DatasetFacts{Kind: "cityscapes", Classes: classes.NumCityscapes, ClassNames: classes.Names(),
		Width: NativeWidth, Height: NativeHeight, Labelled: m.Split != "test"}
	if m.Classes == classes.NumSynthia16 {
		f.Classes, f.ClassNames = classes.NumSynthia16, classes.Synthia16Names()
	}
	if size, _ := loader.ParseSize(m.Resize); size.W > 0 {
		f.Width, f.Height = size.W, size.H
	}
	if m.List == "" {
		f.Images = map[string]int{"train": TrainImages, "val": ValImages, "test": TestImages}[m.Split]
	}
	return f, nil
}

// Dataset is an opened Cityscapes split.
type Dataset struct {
	*loader.PairDataset
	prefetch int
}

// Prefetch returns the configured prefetch depth for loader.Stream.
func (d *Dataset) Prefetch() int { return max(d.prefetch, 1) }

// Stem returns the Cityscapes stem (<city>_<seq>_<frame>) of a file name, dropping the
// directory, ".png" and a known suffix (_leftImg8bit, _gtFine_labelIds, _gtFine_labelTrainIds,
// _gtFine_color).
func Stem(name string) string {
	s := strings.TrimSuffix(path.Base(filepath.ToSlash(name)), ".png")
	for _, suf := range []string{"_leftImg8bit", "_gtFine_labelIds", "_gtFine_labelTrainIds", "_gtFine_color"} {
		if t, ok := strings.CutSuffix(s, suf); ok {
			return t
		}
	}
	return s
}

// Open lists the split's files (list file or directory scan) and returns the dataset.
func Open(m *Module) (*Dataset, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	size, _ := loader.ParseSize(m.Resize)
	root, err := loader.ResolveRoot(m.Root, RootEnv)
	if err != nil {
		return nil, fmt.Errorf("cityscapes: %w", err)
	}
	imgDir := filepath.Join(root, "leftImg8bit", m.Split)
	var names []string
	if m.List != "" {
		if names, err = loader.ReadList(m.List); err != nil {
			return nil, fmt.Errorf("cityscapes: %w", err)
		}
	} else if names, err = loader.ScanDir(imgDir, ImageSuffix, true); err != nil {
		return nil, fmt.Errorf("cityscapes: %w", err)
	}
	pairs := make([]loader.Pair, len(names))
	for i, n := range names {
		// An entry is city/stem with or without the _leftImg8bit.png suffix.
		stem := Stem(n)
		dir := path.Dir(n)
		pairs[i] = loader.Pair{
			Name:  stem,
			Image: filepath.Join(imgDir, filepath.FromSlash(dir), stem+ImageSuffix),
			Label: filepath.Join(root, "gtFine", m.Split, filepath.FromSlash(dir), stem+LabelSuffix),
		}
		if m.Split == "test" { // the released test labels are placeholders
			pairs[i].Label = ""
		}
	}
	read, n, names := loader.ReadCityscapesLabel, classes.NumCityscapes, classes.Names()
	if m.Classes == classes.NumSynthia16 {
		read, n, names = readLabel16, classes.NumSynthia16, classes.Synthia16Names()
	}
	pd, err := loader.NewPairDataset(loader.Config{
		Kind: "cityscapes", Pairs: pairs, ReadLabel: read,
		NumClasses: n, ClassNames: names,
		Resize: size, SkipBad: m.SkipBad,
	})
	if err != nil {
		return nil, err
	}
	return &Dataset{PairDataset: pd, prefetch: m.Prefetch}, nil
}

// readLabel16 reads a labelIds PNG into the SYNTHIA 16-class space (terrain, truck and train,
// absent from SYNTHIA, become 255).
func readLabel16(path string) ([]uint8, int, int, error) {
	ids, w, h, err := loader.ReadCityscapesLabel(path)
	if err != nil {
		return nil, 0, 0, err
	}
	for i, v := range ids {
		ids[i] = classes.TrainIDTo16(v)
	}
	return ids, w, h, nil
}
