package synthetic

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/datasets"
)

// City is the city name of the target domain in the Cityscapes layout.
const City = "synth"

// CityscapesPaths returns the image and label paths, relative to the dataset root, of target
// image i of a split in the Cityscapes layout.
func CityscapesPaths(split string, i int) (image, label string) {
	stem := fmt.Sprintf("%s_000000_%06d", City, i)
	return filepath.Join("leftImg8bit", split, City, stem+"_leftImg8bit.png"),
		filepath.Join("gtFine", split, City, stem+"_gtFine_labelIds.png")
}

// GTA5Paths returns the image and label paths, relative to the dataset root, of source image
// i in the GTA5 layout (files are numbered from 1).
func GTA5Paths(i int) (image, label string) {
	name := fmt.Sprintf("%05d.png", i+1)
	return filepath.Join("images", name), filepath.Join("labels", name)
}

// WriteLayout writes the benchmark to disk in the layouts of the real datasets, so that the
// GTA5 and Cityscapes loaders can read it:
//
//	DIR/gta5/images/00001.png, DIR/gta5/labels/00001.png                  (trainN source images)
//	DIR/cityscapes/leftImg8bit/{train,val}/synth/synth_000000_000123_leftImg8bit.png
//	DIR/cityscapes/gtFine/{train,val}/synth/synth_000000_000123_gtFine_labelIds.png
//
// (trainN target training and valN target val images). Label PNGs hold Cityscapes label ids,
// not trainIds, as the real datasets do. src must be a source-domain and tgt a target-domain
// config; their Split and Size fields are ignored.
func WriteLayout(dir string, src, tgt Config, trainN, valN int) error {
	if src.Domain != Source || tgt.Domain != Target {
		return fmt.Errorf("synthetic layout: domains %q and %q, want %q and %q", src.Domain, tgt.Domain, Source, Target)
	}
	if trainN <= 0 || valN <= 0 {
		return fmt.Errorf("synthetic layout: %d train and %d val images, want at least 1 each", trainN, valN)
	}
	jobs := []struct {
		cfg   Config
		root  string
		paths func(i int) (string, string)
	}{
		{withSplit(src, Train, trainN), filepath.Join(dir, "gta5"), GTA5Paths},
		{withSplit(tgt, Train, trainN), filepath.Join(dir, "cityscapes"), func(i int) (string, string) { return CityscapesPaths(Train, i) }},
		{withSplit(tgt, Val, valN), filepath.Join(dir, "cityscapes"), func(i int) (string, string) { return CityscapesPaths(Val, i) }},
	}
	for _, j := range jobs {
		d, err := New(j.cfg)
		if err != nil {
			return fmt.Errorf("synthetic layout: %w", err)
		}
		for i := 0; i < d.Len(); i++ {
			s, err := d.Get(i)
			if err != nil {
				return err
			}
			img, lbl := j.paths(i)
			if err := writeSample(s, filepath.Join(j.root, img), filepath.Join(j.root, lbl)); err != nil {
				return fmt.Errorf("synthetic layout: %w", err)
			}
		}
	}
	return nil
}

func withSplit(c Config, split string, n int) Config {
	c.Split, c.Size = split, n
	return c
}

func writeSample(s datasets.Sample, imgPath, lblPath string) error {
	ids := make([]uint8, len(s.Label))
	for i, t := range s.Label {
		ids[i] = classes.TrainIDToCityscapesID(t)
	}
	for _, p := range []string{imgPath, lblPath} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	if err := datasets.WritePNG(imgPath, func(w io.Writer) error { return datasets.EncodeRGB(w, s.RGB, s.W, s.H) }); err != nil {
		return err
	}
	return datasets.WritePNG(lblPath, func(w io.Writer) error { return datasets.EncodeLabel(w, ids, s.W, s.H) })
}
