package figures

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWritePNGAtomicReplacesAndCleansUp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "x.png")
	for i, c := range []color.RGBA{{255, 0, 0, 255}, {0, 0, 255, 255}} {
		img := image.NewRGBA(image.Rect(0, 0, 2+i, 3))
		for y := range 3 {
			for x := range 2 + i {
				img.SetRGBA(x, y, c)
			}
		}
		if err := writePNGAtomic(path, img); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		got := decodePNG(t, path)
		if got.Bounds() != img.Bounds() {
			t.Fatalf("write %d: decoded bounds %v, want %v", i, got.Bounds(), img.Bounds())
		}
		if g := color.RGBAModel.Convert(got.At(1, 1)); g != c {
			t.Errorf("write %d: pixel %v, want %v", i, g, c)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "x.png" {
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only x.png (no temporary files)", names)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o644 {
		t.Errorf("mode %v, want 0644", perm)
	}
}

func TestWritePNGAtomicErrorNamesPath(t *testing.T) {
	// A regular file where a parent directory should be makes MkdirAll fail.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "x.png")
	err := writePNGAtomic(path, image.NewRGBA(image.Rect(0, 0, 1, 1)))
	if err == nil {
		t.Fatal("no error writing under a regular file")
	}
	if want := path; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
}
