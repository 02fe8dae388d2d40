package cityscapes

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/datasets/synthetic"
)

// writeLayout writes the synthetic benchmark in the Cityscapes layout and returns its root and
// the target configs of the two splits.
func writeLayout(t *testing.T, trainN, valN int) (string, synthetic.Config) {
	t.Helper()
	dir := t.TempDir()
	src, tgt := synthetic.DefaultConfig(), synthetic.DefaultConfig()
	tgt.Domain = synthetic.Target
	src.Height, src.Width, tgt.Height, tgt.Width = 16, 32, 32, 64
	if err := synthetic.WriteLayout(dir, src, tgt, trainN, valN); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "cityscapes"), tgt
}

func TestSyntheticLayout(t *testing.T) {
	root, tgt := writeLayout(t, 3, 2)
	for _, tt := range []struct {
		split string
		n     int
	}{{"train", 3}, {"val", 2}} {
		d, err := Open(&Module{Root: root, Split: tt.split, Resize: []int{0, 0}})
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != tt.n {
			t.Fatalf("%s: Len %d, want %d", tt.split, d.Len(), tt.n)
		}
		cfg := tgt
		cfg.Split, cfg.Size = tt.split, tt.n
		want, err := synthetic.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tt.n {
			got, err := d.Get(i)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := want.Get(i)
			img, _ := synthetic.CityscapesPaths(tt.split, i)
			if got.Name != Stem(img) {
				t.Errorf("name %q, want %q", got.Name, Stem(img))
			}
			if !bytes.Equal(got.Label, w.Label) || !bytes.Equal(got.RGB, w.RGB) || got.W != w.W || got.H != w.H {
				t.Errorf("%s %d differs from the synthetic dataset's", tt.split, i)
			}
		}
	}
}

func TestListResizeAndEnv(t *testing.T) {
	root, _ := writeLayout(t, 3, 1)
	list := filepath.Join(t.TempDir(), "train.txt")
	// Entries in the release's format (city/stem_leftImg8bit.png) and as a bare stem path.
	if err := os.WriteFile(list, []byte("synth/synth_000000_000002_leftImg8bit.png\nsynth/synth_000000_000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(RootEnv, root)
	def := (Module{}).Module().New().(*Module)
	if def.Resize[0] != 1024 || def.Resize[1] != 512 || def.Split != "train" {
		t.Errorf("defaults %+v", def)
	}
	def.List, def.Resize = list, []int{40, 20}
	d, err := Open(def)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 {
		t.Fatalf("Len %d, want 2", d.Len())
	}
	s, err := d.Get(0)
	if err != nil || s.Name != "synth_000000_000002" || s.W != 40 || s.H != 20 || s.Validate() != nil {
		t.Errorf("Get(0) = %q %dx%d, %v", s.Name, s.W, s.H, err)
	}
	// The native label keeps the file's 64x32 and equals the sample's label at native size.
	ids, w, h, err := d.NativeLabel(0)
	def.Resize = []int{0, 0}
	full, _ := Open(def)
	fs, _ := full.Get(0)
	if err != nil || w != 64 || h != 32 || !bytes.Equal(ids, fs.Label) {
		t.Errorf("NativeLabel(0): %dx%d, %v, equal to the native sample's %v", w, h, err, bytes.Equal(ids, fs.Label))
	}
	def.Resize = []int{40, 20}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte("synth/nothere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	def.List = bad
	if _, err := Open(def); err == nil || !strings.Contains(err.Error(), "nothere_leftImg8bit.png") {
		t.Errorf("missing listed file: err = %v", err)
	}
	if err := (&Module{Split: "testing", Resize: []int{0, 0}}).Validate(); err == nil {
		t.Error("split testing: no error")
	}
}

func TestStem(t *testing.T) {
	tests := map[string]string{
		"frankfurt/frankfurt_000000_000294_leftImg8bit.png":    "frankfurt_000000_000294",
		"frankfurt_000000_000294_gtFine_labelIds.png":          "frankfurt_000000_000294",
		"a/b/frankfurt_000000_000294_gtFine_labelTrainIds.png": "frankfurt_000000_000294",
		"frankfurt_000000_000294.png":                          "frankfurt_000000_000294",
		"frankfurt_000000_000294":                              "frankfurt_000000_000294",
	}
	for in, want := range tests {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSixteenClasses: classes 16 serves the SYNTHIA 16-class space: every label is the 19-class
// label mapped by classes.TrainIDTo16, and the class count and names follow.
func TestSixteenClasses(t *testing.T) {
	root, _ := writeLayout(t, 2, 1)
	d19, err := Open(&Module{Root: root, Split: "train", Resize: []int{0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	d16, err := Open(&Module{Root: root, Split: "train", Resize: []int{0, 0}, Classes: 16})
	if err != nil {
		t.Fatal(err)
	}
	if d16.NumClasses() != 16 || len(d16.ClassNames()) != 16 || d16.ClassNames()[9] != classes.Synthia16Names()[9] {
		t.Fatalf("16-class set: %d classes, names %v", d16.NumClasses(), d16.ClassNames())
	}
	for i := range 2 {
		a, _ := d19.Get(i)
		b, _ := d16.Get(i)
		mapped := 0
		for j, v := range a.Label {
			if b.Label[j] != classes.TrainIDTo16(v) {
				t.Fatalf("image %d pixel %d: %d, want TrainIDTo16(%d) = %d", i, j, b.Label[j], v, classes.TrainIDTo16(v))
			}
			if v != b.Label[j] {
				mapped++
			}
		}
		if mapped == 0 {
			t.Errorf("image %d: no label changed; the test image has no class above sky", i)
		}
	}
	if err := (&Module{Split: "val", Resize: []int{0, 0}, Classes: 13}).Validate(); err == nil || !strings.Contains(err.Error(), "classes 13") {
		t.Errorf("classes 13: %v", err)
	}
}
