package data

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckPNG(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.png")
	rgb := make([]uint8, 7*4*3)
	if err := WritePNG(good, func(wr io.Writer) error { return EncodeRGB(wr, rgb, 7, 4) }); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if w, h, err := CheckPNG(good); err != nil || w != 7 || h != 4 {
		t.Errorf("good: %dx%d, %v", w, h, err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated.png", data[:len(data)-5], "truncated png"},
		{"text.png", []byte("not a png at all, just text"), "png header"},
		{"empty.png", nil, "png header"},
	} {
		p := write(tc.name, tc.data)
		if _, _, err := CheckPNG(p); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming the file and %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := CheckPNG(filepath.Join(dir, "missing.png")); err == nil {
		t.Error("missing file: no error")
	}
}
