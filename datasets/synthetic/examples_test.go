package synthetic

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dast-uda/dast/classes"
)

// TestWriteExamples writes, when DAST_SYNTH_EXAMPLES names a directory, a mosaic per domain of
// images beside their colourised labels, enlarged 3x, for looking at. DAST_SYNTH_SHIFT sets
// the target's shift (default 1); the file names carry it.
func TestWriteExamples(t *testing.T) {
	dir := os.Getenv("DAST_SYNTH_EXAMPLES")
	if dir == "" {
		t.Skip("set DAST_SYNTH_EXAMPLES=DIR to write example mosaics")
	}
	const n, zoom = 6, 3
	shift, suffix := 1.0, ""
	if v := os.Getenv("DAST_SYNTH_SHIFT"); v != "" {
		var err error
		if shift, err = strconv.ParseFloat(v, 64); err != nil {
			t.Fatalf("DAST_SYNTH_SHIFT: %v", err)
		}
		suffix = "_shift" + v
	}
	for _, domain := range []string{Source, Target} {
		cfg := DefaultConfig()
		cfg.Domain, cfg.Size, cfg.Shift = domain, n, shift
		d, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		w, h := cfg.Width, cfg.Height
		mos := image.NewRGBA(image.Rect(0, 0, 2*w*zoom+zoom, n*h*zoom+(n-1)*zoom))
		for i := 0; i < n; i++ {
			s, err := d.Get(i)
			if err != nil {
				t.Fatal(err)
			}
			lab, err := classes.Colorize(s.Label, w, h)
			if err != nil {
				t.Fatal(err)
			}
			for y := 0; y < h*zoom; y++ {
				for x := 0; x < w*zoom; x++ {
					p := 3 * ((y/zoom)*w + x/zoom)
					oy := i*(h*zoom+zoom) + y
					mos.Pix[mos.PixOffset(x, oy)+0] = s.RGB[p]
					mos.Pix[mos.PixOffset(x, oy)+1] = s.RGB[p+1]
					mos.Pix[mos.PixOffset(x, oy)+2] = s.RGB[p+2]
					mos.Pix[mos.PixOffset(x, oy)+3] = 255
					mos.Set(w*zoom+zoom+x, oy, lab.At(x/zoom, y/zoom))
				}
			}
		}
		path := filepath.Join(dir, "synthetic_"+domain+suffix+".png")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, mos); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
}
