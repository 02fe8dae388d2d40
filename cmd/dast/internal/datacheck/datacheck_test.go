package datacheck

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePNG(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLabelFormat: each dataset kind accepts its release's label pixel format and names what
// is wrong with the others.
func TestLabelFormat(t *testing.T) {
	dir := t.TempDir()
	r := image.Rect(0, 0, 4, 2)
	grey := writePNG(t, dir, "grey.png", image.NewGray(r))
	grey16 := writePNG(t, dir, "grey16.png", image.NewGray16(r))
	rgb := writePNG(t, dir, "rgb.png", image.NewNRGBA(r))
	pal := writePNG(t, dir, "pal.png", image.NewPaletted(r, color.Palette{color.Black, color.White}))
	tests := []struct {
		path, kind, want string // want: a part of the message, "" when fine
	}{
		{grey, "cityscapes", ""},
		{pal, "cityscapes", "not an 8-bit grey image"},
		{rgb, "cityscapes", "not an 8-bit grey image"},
		{grey, "gta5", ""},
		{pal, "gta5", ""},
		{rgb, "gta5", "not an 8-bit palette or grey image"},
		{grey16, "synthia", ""},
		{grey, "synthia", "8-bit label: SYNTHIA GT/LABELS files are 16-bit PNGs"},
		{rgb, "unknown", ""},
		{filepath.Join(dir, "missing.png"), "gta5", "missing.png"},
	}
	for _, tt := range tests {
		got := labelFormat(tt.path, tt.kind)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("labelFormat(%s, %s) = %q, want %q", filepath.Base(tt.path), tt.kind, got, tt.want)
		}
	}
}

// TestWriteReports: the table counts every kind, a size mismatch is a warning that does not
// count as an error, and the listed files stop at maxList.
func TestWriteReports(t *testing.T) {
	bad := &Report{Path: "data.source", Kind: "gta5", Found: 3, Expected: 24966}
	for _, f := range []string{"a.png", "b.png", "c.png"} {
		bad.add(probMissing, f)
	}
	bad.add(probSize, "d.png: label 8x8, image e.png 4x2")
	warn := &Report{Path: "data.val", Kind: "cityscapes", Found: 2}
	warn.add(probSize, "f.png: label 8x8, image g.png 4x2")
	var b bytes.Buffer
	if n := WriteReports(&b, []*Report{bad, warn}, 2); n != 3 {
		t.Errorf("WriteReports counted %d errors, want 3 (the missing files; size mismatches are warnings)", n)
	}
	out := b.String()
	for _, w := range []string{
		"dataset      kind        found  expected  cannot open  count  missing  unreadable  size mismatch  label format  label values  image decode  status",
		"data.source  gta5        3      24966     0            0      3        0           1              0             0             0             ERRORS",
		"data.val     cityscapes  2      ?         0            0      0        0           1              0             0             0             warnings",
		"data.source missing (3):\n  a.png\n  b.png\n  ... 1 more\n",
		"data.val size mismatch (1, a warning: the loader resizes these labels (nearest) to their image):",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "ok: every dataset checked") {
		t.Errorf("a report with errors says ok:\n%s", out)
	}
	b.Reset()
	if n := WriteReports(&b, []*Report{warn}, 0); n != 0 || !strings.HasSuffix(b.String(), "ok: every dataset checked, no errors (1 warnings)\n") {
		t.Errorf("warnings only: %d errors\n%s", n, b.String())
	}
}

func TestWithPath(t *testing.T) {
	if got := withPath("x.png", errors.New("decode x.png: bad")); got != "decode x.png: bad" {
		t.Errorf("a message naming the path: %q", got)
	}
	if got := withPath("x.png", errors.New("bad")); got != "x.png: bad" {
		t.Errorf("a message without the path: %q", got)
	}
}
