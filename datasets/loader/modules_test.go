package loader_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/datasets"
	_ "github.com/dast-uda/dast/datasets/cityscapes"
	_ "github.com/dast-uda/dast/datasets/gta5"
	"github.com/dast-uda/dast/datasets/loader"
	_ "github.com/dast-uda/dast/datasets/synthia"
)

// writePair writes an 8x4 black image and a label of id 7 everywhere.
func writePair(t *testing.T, img, lbl string) {
	t.Helper()
	for _, p := range []string{img, lbl} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rgb := make([]uint8, 8*4*3)
	ids := make([]uint8, 8*4)
	for i := range ids {
		ids[i] = 7 // Cityscapes road; SYNTHIA 7 is pole
	}
	if err := datasets.WritePNG(img, func(w io.Writer) error { return datasets.EncodeRGB(w, rgb, 8, 4) }); err != nil {
		t.Fatal(err)
	}
	if err := datasets.WritePNG(lbl, func(w io.Writer) error { return datasets.EncodeLabel(w, ids, 8, 4) }); err != nil {
		t.Fatal(err)
	}
}

// TestModulesFromYAML builds each dataset module from a YAML block as a run config does.
func TestModulesFromYAML(t *testing.T) {
	root := t.TempDir()
	writePair(t, filepath.Join(root, "gta5", "images", "00001.png"), filepath.Join(root, "gta5", "labels", "00001.png"))
	writePair(t, filepath.Join(root, "synthia", "RGB", "0000001.png"), filepath.Join(root, "synthia", "GT", "LABELS", "0000001.png"))
	writePair(t, filepath.Join(root, "cs", "leftImg8bit", "val", "c", "c_0_1_leftImg8bit.png"), filepath.Join(root, "cs", "gtFine", "val", "c", "c_0_1_gtFine_labelIds.png"))
	tests := []struct {
		block     string
		wantLabel uint8 // trainId of the written id 7
		classes   int
		wantErr   string
	}{
		{block: "{name: gta5, root: ROOT/gta5, resize: [4, 2], prefetch: 2}", wantLabel: 0, classes: 19},
		{block: "{name: synthia, root: ROOT/synthia, resize: [4, 2], classes: 16}", wantLabel: 5, classes: 16},
		{block: "{name: cityscapes, root: ROOT/cs, split: val, resize: [4, 2], skip_bad: true}", wantLabel: 0, classes: 19},
		{block: "{name: cityscapes, root: ROOT/cs, splt: val}", wantErr: "splt"},
		{block: "{name: synthia, root: ROOT/synthia, classes: 13}", wantErr: "classes 13"},
		{block: "{name: gta5, root: ROOT/gta5, resize: [4]}", wantErr: "resize"},
	}
	for _, tt := range tests {
		t.Run(tt.block, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "run.yaml")
			yaml := "data:\n  target: " + strings.ReplaceAll(tt.block, "ROOT", root) + "\n"
			if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			tree, err := config.Load(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			mod, err := tree.Component("data.target", "dataset")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ds, err := mod.(model.DatasetOpener).OpenDataset()
			if err != nil {
				t.Fatal(err)
			}
			s, err := ds.Get(0)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != 1 || ds.NumClasses() != tt.classes || s.W != 4 || s.H != 2 || s.Label[0] != tt.wantLabel {
				t.Errorf("Len %d NumClasses %d sample %dx%d label %d", ds.Len(), ds.NumClasses(), s.W, s.H, s.Label[0])
			}
			if _, ok := ds.(model.ClassNamer); !ok {
				t.Error("dataset has no ClassNames")
			}
			if loader.PrefetchOf(ds) < 1 {
				t.Error("PrefetchOf < 1")
			}
		})
	}
}
