package data

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheckPNG: any file content is accepted only with a size in bounds and a complete
// trailer, and never panics.
func FuzzCheckPNG(f *testing.F) {
	var good bytes.Buffer
	if err := EncodeRGB(&good, make([]uint8, 3*2*3), 3, 2); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:len(good.Bytes())-1])
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{})
	path := filepath.Join(f.TempDir(), "x.png")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		w, h, err := CheckPNG(path)
		if err != nil {
			return
		}
		if w <= 0 || h <= 0 || w*h > MaxPixels || !bytes.HasSuffix(b, pngTrailer) {
			t.Fatalf("accepted %dx%d (ends with IEND: %v)", w, h, bytes.HasSuffix(b, pngTrailer))
		}
	})
}
