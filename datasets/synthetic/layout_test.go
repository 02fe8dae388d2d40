package synthetic

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/datasets"
)

func TestWriteLayoutRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src, tgt := DefaultConfig(), DefaultConfig()
	tgt.Domain = Target
	src.Height, src.Width, tgt.Height, tgt.Width = 32, 48, 40, 64
	const trainN, valN = 3, 2
	if err := WriteLayout(dir, src, tgt, trainN, valN); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cfg   Config
		root  string
		paths func(int) (string, string)
	}{
		{withSplit(src, Train, trainN), "gta5", GTA5Paths},
		{withSplit(tgt, Train, trainN), "cityscapes", func(i int) (string, string) { return CityscapesPaths(Train, i) }},
		{withSplit(tgt, Val, valN), "cityscapes", func(i int) (string, string) { return CityscapesPaths(Val, i) }},
	}
	lut := classes.CityscapesLUT()
	for _, c := range cases {
		d, err := New(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < d.Len(); i++ {
			want, _ := d.Get(i)
			img, lbl := c.paths(i)
			rgb, w, h, err := datasets.ReadRGB(filepath.Join(dir, c.root, img))
			if err != nil {
				t.Fatal(err)
			}
			if w != want.W || h != want.H || !bytes.Equal(rgb, want.RGB) {
				t.Errorf("%s: image differs from Get(%d) (%dx%d)", img, i, w, h)
			}
			ids, _, _, err := datasets.ReadLabel(filepath.Join(dir, c.root, lbl))
			if err != nil {
				t.Fatal(err)
			}
			raw := bytes.Equal(ids, want.Label)
			for p := range ids {
				ids[p] = lut[ids[p]]
			}
			if !bytes.Equal(ids, want.Label) {
				t.Errorf("%s: label ids mapped to trainIds differ from Get(%d)", lbl, i)
			}
			if raw {
				t.Errorf("%s: label file holds trainIds, want Cityscapes label ids", lbl)
			}
		}
	}
	if got, _ := CityscapesPaths(Val, 123); got != filepath.Join("leftImg8bit", "val", "synth", "synth_000000_000123_leftImg8bit.png") {
		t.Errorf("CityscapesPaths = %s", got)
	}
	if _, got := GTA5Paths(0); got != filepath.Join("labels", "00001.png") {
		t.Errorf("GTA5Paths(0) label = %s", got)
	}
}

func TestWriteLayoutErrors(t *testing.T) {
	src, tgt := DefaultConfig(), DefaultConfig()
	tgt.Domain = Target
	bad := tgt
	bad.Height = 1
	tests := []struct {
		name     string
		src, tgt Config
		train    int
		val      int
	}{
		{"swapped domains", tgt, src, 1, 1},
		{"no val images", src, tgt, 1, 0},
		{"invalid target size", src, bad, 1, 1},
	}
	for _, tt := range tests {
		if err := WriteLayout(t.TempDir(), tt.src, tt.tgt, tt.train, tt.val); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
