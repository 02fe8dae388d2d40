package score

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadClassMap: any bytes give an error or a class map of w*h ids, never a panic.
func FuzzReadClassMap(f *testing.F) {
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 3, 2)),
		image.NewGray16(image.Rect(0, 0, 2, 2)),
		image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.Black, color.White}),
		image.NewNRGBA(image.Rect(0, 0, 2, 2)),
	} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "p.png")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ids, w, h, err := readClassMap(path, "prediction")
		if err == nil && (w <= 0 || h <= 0 || len(ids) != w*h) {
			t.Fatalf("%d ids for %dx%d", len(ids), w, h)
		}
	})
}
