package gta5

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/datasets/loader"
	"github.com/dast-uda/dast/datasets/synthetic"
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

// rgbImage is a w x h image whose pixel (x, y) is (x, y, seed).
func rgbImage(w, h int, seed uint8) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), seed, 255})
		}
	}
	return m
}

// paletteLabel is a w x h palette PNG (as some GTA5 labels are) whose index at (x, y) is
// ids[(x+y) % len(ids)]; the palette colours are not the ids.
func paletteLabel(w, h int, ids []uint8) *image.Paletted {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.RGBA{uint8(255 - i), uint8(i * 7), 3, 255}
	}
	m := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetColorIndex(x, y, ids[(x+y)%len(ids)])
		}
	}
	return m
}

func grayLabel(w, h int, ids []uint8) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetGray(x, y, color.Gray{ids[(x+y)%len(ids)]})
		}
	}
	return m
}

// Cityscapes label ids used by the tests and their trainIds (0 unlabeled and 1 ego vehicle
// are ignored).
var (
	testIDs      = []uint8{7, 26, 0, 33, 1, 23}
	testTrainIDs = []uint8{0, 13, 255, 18, 255, 10}
)

func wantLabel(w, h int) []uint8 {
	out := make([]uint8, 0, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out = append(out, testTrainIDs[(x+y)%len(testIDs)])
		}
	}
	return out
}

func native() *Module { return &Module{Resize: []int{0, 0}, Prefetch: 1} }

func TestLabelsPaletteAndGray(t *testing.T) {
	root := t.TempDir()
	const w, h = 12, 7
	writePNG(t, filepath.Join(root, "images", "00001.png"), rgbImage(w, h, 1))
	writePNG(t, filepath.Join(root, "labels", "00001.png"), paletteLabel(w, h, testIDs))
	writePNG(t, filepath.Join(root, "images", "00002.png"), rgbImage(w, h, 2))
	writePNG(t, filepath.Join(root, "labels", "00002.png"), grayLabel(w, h, testIDs))
	m := native()
	m.Root = root
	d, err := Open(m)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.NumClasses() != 19 {
		t.Fatalf("Len %d NumClasses %d, want 2 and 19", d.Len(), d.NumClasses())
	}
	for i, name := range []string{"00001", "00002"} {
		s, err := d.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != name || s.W != w || s.H != h || s.Validate() != nil {
			t.Fatalf("sample %d: %q %dx%d", i, s.Name, s.W, s.H)
		}
		if !bytes.Equal(s.Label, wantLabel(w, h)) {
			t.Errorf("%s: label %v, want %v", name, s.Label[:8], wantLabel(w, h)[:8])
		}
		if s.RGB[3*(2*w+5)] != 5 || s.RGB[3*(2*w+5)+1] != 2 || s.RGB[2] != uint8(i+1) {
			t.Errorf("%s: RGB not read as written", name)
		}
	}
}

func TestResizeAndSizeMismatch(t *testing.T) {
	root := t.TempDir()
	writePNG(t, filepath.Join(root, "images", "00001.png"), rgbImage(40, 20, 0))
	writePNG(t, filepath.Join(root, "labels", "00001.png"), grayLabel(20, 10, testIDs)) // half size
	for _, tt := range []struct {
		resize []int
		w, h   int
	}{{[]int{0, 0}, 40, 20}, {[]int{16, 9}, 16, 9}, {nil, 40, 20}, {[]int{64, 36}, 64, 36}} {
		m := native()
		m.Root, m.Resize = root, tt.resize
		d, err := Open(m)
		if err != nil {
			t.Fatal(err)
		}
		s, err := d.Get(0)
		if err != nil {
			t.Fatal(err)
		}
		if s.W != tt.w || s.H != tt.h || s.Validate() != nil {
			t.Errorf("resize %v: %dx%d, want %dx%d", tt.resize, s.W, s.H, tt.w, tt.h)
		}
		warns, n := d.Warnings()
		if n != 1 || !strings.Contains(warns[0], "20x10") || !strings.Contains(warns[0], "40x20") {
			t.Errorf("resize %v: warnings %q (%d), want one size mismatch", tt.resize, warns, n)
		}
	}
	// At native size the 20x10 label is upscaled by 2 with nearest: pixel (x, y) is label (x/2, y/2).
	m := native()
	m.Root = root
	d, _ := Open(m)
	s, _ := d.Get(0)
	small := wantLabel(20, 10)
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			if s.Label[y*40+x] != small[(y/2)*20+x/2] {
				t.Fatalf("label at (%d,%d) = %d, want %d", x, y, s.Label[y*40+x], small[(y/2)*20+x/2])
			}
		}
	}
	if def := (Module{}).Module().New().(*Module); def.Resize[0] != 1280 || def.Resize[1] != 720 {
		t.Errorf("default resize %v, want [1280 720]", def.Resize)
	}
}

func TestBadFiles(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"00001.png", "00002.png", "00003.png"} {
		writePNG(t, filepath.Join(root, "images", n), rgbImage(8, 8, 0))
		writePNG(t, filepath.Join(root, "labels", n), grayLabel(8, 8, testIDs))
	}
	// 00002's image is truncated; 00004 has no label.
	bad := filepath.Join(root, "images", "00002.png")
	data, _ := os.ReadFile(bad)
	if err := os.WriteFile(bad, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(root, "images", "00004.png"), rgbImage(8, 8, 0))

	m := native()
	m.Root = root
	if _, err := Open(m); err == nil || !strings.Contains(err.Error(), filepath.Join("labels", "00004.png")) {
		t.Errorf("missing label: err = %v, want one naming labels/00004.png", err)
	}
	list := filepath.Join(t.TempDir(), "list.txt")
	if err := os.WriteFile(list, []byte("00001.png\n00002\n00003.png\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m.List = list
	d, err := Open(m)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 {
		t.Fatalf("list of 3: Len %d", d.Len())
	}
	if _, err := d.Get(1); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("truncated image: err = %v, want one naming %s", err, bad)
	}

	m.List, m.SkipBad = "", true
	d, err = Open(m)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Skipped() != 1 {
		t.Fatalf("skip_bad: Len %d Skipped %d, want 3 and 1 (the missing label)", d.Len(), d.Skipped())
	}
	for range 2 { // the second call must not count the bad file again
		s, err := d.Get(1)
		if err != nil || s.Name != "00003" {
			t.Fatalf("skip_bad Get(1) = %q, %v; want the next good sample 00003", s.Name, err)
		}
	}
	if d.Skipped() != 2 {
		t.Errorf("Skipped %d, want 2", d.Skipped())
	}
	if warns, _ := d.Warnings(); len(warns) != 2 || !strings.Contains(warns[1], "00002") {
		t.Errorf("warnings %q", warns)
	}
}

func TestRootFromEnv(t *testing.T) {
	root := t.TempDir()
	writePNG(t, filepath.Join(root, "images", "00001.png"), rgbImage(4, 4, 0))
	writePNG(t, filepath.Join(root, "labels", "00001.png"), grayLabel(4, 4, testIDs))
	t.Setenv(RootEnv, root)
	d, err := Open(native())
	if err != nil || d.Len() != 1 {
		t.Fatalf("root from $%s: %v", RootEnv, err)
	}
	t.Setenv(RootEnv, "")
	if _, err := Open(native()); err == nil || !strings.Contains(err.Error(), RootEnv) {
		t.Errorf("no root: err = %v, want one naming %s", err, RootEnv)
	}
}

func TestValidate(t *testing.T) {
	for _, m := range []*Module{{Resize: []int{5}}, {Resize: []int{0, 4}}, {Prefetch: -1}} {
		if err := m.Validate(); err == nil {
			t.Errorf("%+v: no error", m)
		}
	}
}

// TestSyntheticLayout reads the synthetic benchmark's GTA5 layout back: every sample equals
// the synthetic dataset's.
func TestSyntheticLayout(t *testing.T) {
	dir := t.TempDir()
	src, tgt := synthetic.DefaultConfig(), synthetic.DefaultConfig()
	tgt.Domain = synthetic.Target
	src.Height, src.Width, tgt.Height, tgt.Width = 32, 48, 32, 48
	const n = 3
	if err := synthetic.WriteLayout(dir, src, tgt, n, 1); err != nil {
		t.Fatal(err)
	}
	src.Split, src.Size = synthetic.Train, n
	want, err := synthetic.New(src)
	if err != nil {
		t.Fatal(err)
	}
	m := native()
	m.Root = filepath.Join(dir, "gta5")
	d, err := Open(m)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != n {
		t.Fatalf("Len %d, want %d", d.Len(), n)
	}
	for i := range n {
		got, err := d.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := want.Get(i)
		if !bytes.Equal(got.Label, w.Label) || !bytes.Equal(got.RGB, w.RGB) || got.W != w.W || got.H != w.H {
			t.Errorf("sample %d (%s) differs from the synthetic dataset's", i, got.Name)
		}
	}
}

// TestStreamSkipBad streams a dataset with a truncated label through loader.Stream (Get from
// several goroutines): every item arrives in order, the bad one replaced and counted once.
func TestStreamSkipBad(t *testing.T) {
	root := t.TempDir()
	const n = 8
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%05d.png", i)
		writePNG(t, filepath.Join(root, "images", name), rgbImage(6, 5, uint8(i)))
		writePNG(t, filepath.Join(root, "labels", name), grayLabel(6, 5, testIDs))
	}
	bad := filepath.Join(root, "labels", "00004.png")
	data, _ := os.ReadFile(bad)
	if err := os.WriteFile(bad, data[:20], 0o644); err != nil {
		t.Fatal(err)
	}
	m := native()
	m.Root, m.SkipBad, m.Prefetch = root, true, 3
	d, err := Open(m)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var names []string
	for it := range loader.Stream(ctx, d, loader.PrefetchOf(d)) {
		if it.Err != nil {
			t.Fatalf("item %d: %v", it.Index, it.Err)
		}
		names = append(names, it.Sample.Name)
	}
	want := []string{"00001", "00002", "00003", "00005", "00005", "00006", "00007", "00008"}
	if !reflect.DeepEqual(names, want) || d.Skipped() != 1 {
		t.Errorf("streamed %q, skipped %d; want %q and 1", names, d.Skipped(), want)
	}
}
