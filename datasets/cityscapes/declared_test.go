package cityscapes

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dast-uda/dast/datasets"
)

// TestDeclaredFacts checks the facts stated from the options alone (the root does not exist).
func TestDeclaredFacts(t *testing.T) {
	tests := []struct {
		m             Module
		w, h, n, nCls int
	}{
		{Module{Root: "/nonexistent", Split: "train", Resize: []int{1024, 512}}, 1024, 512, 2975, 19},
		{Module{Split: "val", Resize: []int{0, 0}, Classes: 19}, 2048, 1024, 500, 19},
		{Module{Split: "val", Resize: []int{1024, 512}, Classes: 16}, 1024, 512, 500, 16},
		{Module{Split: "train", Resize: []int{1024, 512}, List: "/nonexistent"}, 1024, 512, 0, 19},
		{Module{Split: "test", Resize: []int{1024, 512}}, 1024, 512, 1525, 19},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.m.Split, tt.m.Resize, tt.m.Classes, tt.m.List), func(t *testing.T) {
			f, err := tt.m.DeclaredFacts()
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != tt.w || f.Height != tt.h || f.Images != tt.n || f.Classes != tt.nCls || len(f.ClassNames) != tt.nCls {
				t.Errorf("facts %+v, want %dx%d, %d images, %d classes", f, tt.w, tt.h, tt.n, tt.nCls)
			}
		})
	}
	if _, err := (&Module{Split: "testing", Resize: []int{1, 1}}).DeclaredFacts(); err == nil {
		t.Error("split testing accepted")
	}
	if f, _ := (&Module{Split: "test", Resize: []int{1, 1}}).DeclaredFacts(); f.Labelled {
		t.Error("the test split declared labelled")
	}
}

// TestTestSplitHasNoLabels opens a test split that has images only, as the public release's
// test labels are placeholders: samples come without labels.
func TestTestSplitHasNoLabels(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "leftImg8bit", "test", "berlin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 8, 4))
	for i := range 2 {
		err := datasets.WritePNG(filepath.Join(dir, fmt.Sprintf("berlin_000000_%06d%s", i, ImageSuffix)), func(w io.Writer) error { return png.Encode(w, img) })
		if err != nil {
			t.Fatal(err)
		}
	}
	ds, err := Open(&Module{Root: root, Split: "test", Resize: []int{0, 0}, Classes: 19})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ds.Get(1)
	if err != nil || ds.Len() != 2 || s.Label != nil || s.W != 8 || s.Name != "berlin_000000_000001" {
		t.Errorf("test split: %d images, sample %q %dx%d label %v (%v)", ds.Len(), s.Name, s.W, s.H, s.Label != nil, err)
	}
}
