package synthia

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/classes"
)

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rawIDs are SYNTHIA class ids: sky 1, building 2, road 3, sidewalk 4, ..., lanemarking 22
// (not scored), void 0, and 13 (not mapped).
var rawIDs = []uint16{1, 2, 3, 4, 21, 11, 0, 22, 13, 8}

// label16 writes a 16-bit RGB label: class in R, an instance id (above 255, so that reading
// the wrong channel or byte fails) in G, and noise in B.
func label16(w, h int) *image.RGBA64 {
	m := image.NewRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetRGBA64(x, y, color.RGBA64{R: rawIDs[(x+2*y)%len(rawIDs)], G: uint16(1000 + x*y), B: 0xbeef, A: 0xffff})
		}
	}
	return m
}

func wantLabel(w, h int, conv func(uint16) uint8) []uint8 {
	out := make([]uint8, 0, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out = append(out, conv(rawIDs[(x+2*y)%len(rawIDs)]))
		}
	}
	return out
}

func writeSample(t *testing.T, root, name string, w, h int) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	writePNG(t, filepath.Join(root, "RGB", name), img)
	writePNG(t, filepath.Join(root, "GT", "LABELS", name), label16(w, h))
}

func TestLabels16Bit(t *testing.T) {
	root := t.TempDir()
	const w, h = 15, 6
	writeSample(t, root, "0000001.png", w, h)
	writeSample(t, root, "0000002.png", w, h)
	for _, tt := range []struct {
		classes int
		conv    func(uint16) uint8
		names   []string
	}{
		{19, classes.SynthiaToTrainID19, classes.Names()},
		{16, classes.SynthiaToTrainID16, classes.Synthia16Names()},
	} {
		d, err := Open(&Module{Root: root, Resize: []int{0, 0}, Classes: tt.classes})
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != 2 || d.NumClasses() != tt.classes || len(d.ClassNames()) != tt.classes || d.ClassNames()[9] != tt.names[9] {
			t.Fatalf("classes %d: Len %d NumClasses %d names %q", tt.classes, d.Len(), d.NumClasses(), d.ClassNames())
		}
		s, err := d.Get(1)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "0000002" || s.W != w || s.H != h {
			t.Errorf("sample %q %dx%d", s.Name, s.W, s.H)
		}
		want := wantLabel(w, h, tt.conv)
		if !bytes.Equal(s.Label, want) {
			t.Errorf("classes %d: label %v, want %v", tt.classes, s.Label[:10], want[:10])
		}
		// Sky is trainId 10 in the 19-class space and 9 in the 16-class space.
		if sky := s.Label[0]; (tt.classes == 19 && sky != 10) || (tt.classes == 16 && sky != 9) {
			t.Errorf("classes %d: sky read as %d", tt.classes, sky)
		}
	}
}

func TestResizeDefaultsAndValidate(t *testing.T) {
	root := t.TempDir()
	writeSample(t, root, "0000001.png", 32, 19)
	def := (Module{}).Module().New().(*Module)
	if def.Resize[0] != 1280 || def.Resize[1] != 760 || def.Classes != 19 {
		t.Errorf("defaults %+v, want resize [1280 760] and 19 classes", def)
	}
	def.Root, def.Resize = root, []int{64, 38}
	d, err := Open(def)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Get(0)
	if err != nil || s.W != 64 || s.H != 38 || s.Validate() != nil {
		t.Fatalf("resized sample %dx%d, %v", s.W, s.H, err)
	}
	if got := s.Label[0]; got != classes.SynthiaToTrainID19(rawIDs[0]) {
		t.Errorf("resized label corner %d", got)
	}
	for _, m := range []*Module{{Classes: 13}, {Classes: 19, Resize: []int{1}}, {Classes: 16, Prefetch: -2}} {
		if err := m.Validate(); err == nil {
			t.Errorf("%+v: no error", m)
		}
	}
}

func TestRootEnvAndBadLabel(t *testing.T) {
	root := t.TempDir()
	writeSample(t, root, "0000001.png", 8, 8)
	writeSample(t, root, "0000002.png", 8, 8)
	lbl := filepath.Join(root, "GT", "LABELS", "0000002.png")
	if err := os.WriteFile(lbl, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(RootEnv, root)
	d, err := Open(&Module{Classes: 16})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(1); err == nil || !strings.Contains(err.Error(), lbl) {
		t.Errorf("corrupt label: err = %v, want one naming %s", err, lbl)
	}
	d, err = Open(&Module{Classes: 16, SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := d.Get(1); err != nil || s.Name != "0000001" || d.Skipped() != 1 {
		t.Errorf("skip_bad: %q, %v, skipped %d; want the wrapped-around 0000001 and 1", s.Name, err, d.Skipped())
	}
}
