package pseudo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/data"
)

func TestFileName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"aachen_000000_000019_leftImg8bit", "aachen_000000_000019_leftImg8bit.png"},
		{"frankfurt/frankfurt_000000_000294", "frankfurt_frankfurt_000000_000294.png"},
		{"x.PNG", "x.png"},
		{"../../etc/passwd", "_._.._etc_passwd.png"},
		{".hidden", "_hidden.png"},
		{"a b\\c:d", "a_b_c_d.png"},
		{"straße", "stra_e.png"},
		{"", ""},
		{".png", ""},
	}
	for _, tt := range tests {
		if got := FileName(tt.in); got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "round1")
	names := []string{"road", "car", "sky"}
	st := Stats{Thresholds: []float64{f32(0.9), f32(0.55), 1}, Q: 0.5, Cap: 0.9, Counted: []int64{10, 4, 0}}
	w, err := NewWriter(dir, names, st)
	if err != nil {
		t.Fatal(err)
	}
	a := []uint8{0, 0, 1, Ignore, 0, 1} // 2x3
	b := []uint8{Ignore, Ignore}        // 1x2
	if err := w.Write("city/a", a, 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("b", b, 1, 2); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name  string
		label []uint8
		h, w  int
		want  string
	}{
		{"city_a", a, 2, 3, `both map to city_a.png`},
		{"c", a, 3, 3, "6 values for 3x3"},
		{"d", []uint8{0, 3}, 1, 2, "value 3 at pixel 1"},
		{"", a, 2, 3, "empty sample name"},
	}
	for _, tt := range bad {
		if err := w.Write(tt.name, tt.label, tt.h, tt.w); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Write(%q) error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	for file, want := range map[string][]uint8{"city_a.png": a, "b.png": b} {
		got, _, _, err := data.ReadLabel(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s holds %v, want %v", file, got, want)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("e", b, 1, 2); err == nil {
		t.Error("Write after Close succeeded")
	}
	if err := w.Close(); err == nil {
		t.Error("second Close succeeded")
	}

	data, err := os.ReadFile(filepath.Join(dir, StatsFile))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Q, Cap  float64
		Images  int
		Pixels  int64
		Ignored float64
		Classes []struct {
			ID        int
			Name      string
			Threshold float64
			Kept      float64
			Counted   int64
		}
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("stats.json: %v\n%s", err, data)
	}
	const pixels = 8
	if got.Q != 0.5 || got.Cap != 0.9 || got.Images != 2 || got.Pixels != pixels || got.Ignored != 3.0/pixels {
		t.Errorf("stats.json header %+v, want q 0.5 cap 0.9, 2 images, 8 pixels, 3/8 ignored", got)
	}
	wantKept := []float64{3.0 / pixels, 2.0 / pixels, 0}
	wantThr := []float64{0.9, 0.55, 1} // printed in float32's shortest form
	if len(got.Classes) != 3 {
		t.Fatalf("stats.json has %d classes, want 3", len(got.Classes))
	}
	for c, cj := range got.Classes {
		if cj.ID != c || cj.Name != names[c] || cj.Threshold != wantThr[c] || cj.Kept != wantKept[c] || cj.Counted != st.Counted[c] {
			t.Errorf("class %d: %+v, want %s threshold %v kept %v counted %d", c, cj, names[c], wantThr[c], wantKept[c], st.Counted[c])
		}
	}
	if s := w.Stats(); s.Ignored != 3.0/pixels || s.Kept[1] != 2.0/pixels {
		t.Errorf("Stats() = %+v", s)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestNewWriterErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		classes []string
		st      Stats
		want    string
	}{
		{"no classes", nil, Stats{}, "0 classes"},
		{"thresholds", []string{"a", "b"}, Stats{Thresholds: []float64{1}}, "1 thresholds for 2 classes"},
		{"counts", []string{"a"}, Stats{Thresholds: []float64{1}, Counted: []int64{1, 2}}, "2 counts for 1 classes"},
	}
	for _, tt := range tests {
		if _, err := NewWriter(dir, tt.classes, tt.st); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
