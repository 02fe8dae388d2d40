package loader

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/datasets"
)

// writePair writes an image of w x h and a label of lw x lh named name under dir.
func writePair(t *testing.T, dir, name string, w, h, lw, lh int) Pair {
	t.Helper()
	p := Pair{Name: name, Image: filepath.Join(dir, name+"_img.png"), Label: filepath.Join(dir, name+"_lbl.png")}
	if err := datasets.WritePNG(p.Image, func(wr io.Writer) error { return datasets.EncodeRGB(wr, make([]uint8, w*h*3), w, h) }); err != nil {
		t.Fatal(err)
	}
	if err := datasets.WritePNG(p.Label, func(wr io.Writer) error { return datasets.EncodeLabel(wr, make([]uint8, lw*lh), lw, lh) }); err != nil {
		t.Fatal(err)
	}
	return p
}

func readIDs(path string) ([]uint8, int, int, error) { return datasets.ReadLabel(path) }

// TestDataIssues: a missing file, a truncated image (found by CheckHeaders before any Get)
// and a label of another size are each counted once, with the file and reason, however often
// the entries are read.
func TestDataIssues(t *testing.T) {
	dir := t.TempDir()
	pairs := []Pair{
		writePair(t, dir, "a", 8, 6, 8, 6),
		writePair(t, dir, "b", 8, 6, 4, 3), // label of another size
		writePair(t, dir, "c", 8, 6, 8, 6),
		writePair(t, dir, "d", 8, 6, 8, 6),
		{Name: "e", Image: filepath.Join(dir, "e_img.png")}, // missing
	}
	data, err := os.ReadFile(pairs[2].Image)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pairs[2].Image, data[:len(data)-8], 0o644); err != nil { // truncated
		t.Fatal(err)
	}
	cfg := Config{Kind: "test", Pairs: pairs, ReadLabel: readIDs, NumClasses: 19}

	// Without skip_bad: the missing file fails at open, the truncated one at CheckHeaders.
	if _, err := NewPairDataset(cfg); err == nil || !strings.Contains(err.Error(), "e_img.png") {
		t.Errorf("missing file: %v", err)
	}
	cfg.Pairs = pairs[:4]
	d, err := NewPairDataset(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CheckHeaders(); err == nil || !strings.Contains(err.Error(), pairs[2].Image) {
		t.Errorf("CheckHeaders of a truncated image: %v, want an error naming %s", err, pairs[2].Image)
	}

	cfg.Pairs, cfg.SkipBad = pairs, true
	d, err = NewPairDataset(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CheckHeaders(); err != nil {
		t.Fatal(err)
	}
	if !d.Substituted(2) || d.Substituted(1) {
		t.Errorf("Substituted: c %v, b %v; want true, false", d.Substituted(2), d.Substituted(1))
	}
	for range 3 {
		for i := range d.Len() {
			if _, err := d.Get(i); err != nil {
				t.Fatal(err)
			}
		}
	}
	is := d.DataIssues()
	if is.Skipped != 2 || len(is.SkippedFiles) != 2 || is.ResizedLabels != 1 || len(is.ResizedFiles) != 1 {
		t.Fatalf("issues %+v, want 2 skipped and 1 resized", is)
	}
	if is.SkippedFiles[0].File != pairs[4].Image || is.SkippedFiles[1].File != pairs[2].Image ||
		!strings.Contains(is.SkippedFiles[1].Reason, "truncated png") || is.ResizedFiles[0] != pairs[1].Label {
		t.Errorf("issues %+v", is)
	}
	if warns, n := d.Warnings(); n != 3 {
		t.Errorf("warnings %q (%d), want 3 (one per entry)", warns, n)
	}
}

// TestDataIssuesFoundByGet: without CheckHeaders, Get finds the same issues.
func TestDataIssuesFoundByGet(t *testing.T) {
	dir := t.TempDir()
	pairs := []Pair{writePair(t, dir, "a", 8, 6, 4, 3), writePair(t, dir, "b", 8, 6, 8, 6)}
	if err := os.WriteFile(pairs[1].Label, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := NewPairDataset(Config{Kind: "test", Pairs: pairs, ReadLabel: readIDs, NumClasses: 19, SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		for i := range d.Len() {
			if s, err := d.Get(i); err != nil || s.Name != "a" {
				t.Fatalf("Get(%d) = %q, %v; want a", i, s.Name, err)
			}
		}
	}
	is := d.DataIssues()
	if is.Skipped != 1 || is.SkippedFiles[0].File != pairs[1].Label || is.ResizedLabels != 1 {
		t.Errorf("issues %+v, want b's label skipped and a's resized", is)
	}
}
