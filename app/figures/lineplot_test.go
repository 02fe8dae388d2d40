package figures

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotutil"
)

// decodePNG reads the PNG at path.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// hasColor reports whether some pixel of img is exactly c.
func hasColor(img image.Image, c color.Color) bool {
	want := color.RGBAModel.Convert(c)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == want {
				return true
			}
		}
	}
	return false
}

func TestLinePlotWritePNG(t *testing.T) {
	xs := []float64{0, 100, 200, 300}
	curve := Series{Label: "DAST", X: xs, Y: []float64{10, 20, 25, 27}}
	banded := Series{Label: "DA", X: xs, Y: []float64{9, 18, 24, 26},
		Lo: []float64{8, 17, 22, 25}, Hi: []float64{10, 19, 26, 28}}
	tests := []struct {
		name         string
		plot         LinePlot
		wantW, wantH int
	}{
		{"default size", LinePlot{Title: "mIoU", Series: []Series{curve}}, DefaultPlotWidth, DefaultPlotHeight},
		{"explicit size", LinePlot{Series: []Series{curve}, Width: 320, Height: 240}, 320, 240},
		{"height only", LinePlot{Series: []Series{curve}, Height: 300}, DefaultPlotWidth, 300},
		{"bands and labels", LinePlot{Title: "mIoU over seeds", XLabel: "iteration", YLabel: "mIoU (%)",
			Series: []Series{curve, banded}, Width: 640, Height: 400}, 640, 400},
		{"unlabelled single point", LinePlot{Series: []Series{{X: []float64{1}, Y: []float64{2}}}, Width: 200, Height: 150}, 200, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "dir", "plot.png")
			if err := tt.plot.WritePNG(path); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, path)
			if b := img.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Errorf("decoded size %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.wantW, tt.wantH)
			}
			if len(tt.plot.Series[0].X) > 1 && !hasColor(img, plotutil.Color(0)) {
				t.Errorf("first series colour %v not drawn", plotutil.Color(0))
			}
		})
	}
}

func TestLinePlotErrors(t *testing.T) {
	xs := []float64{0, 1, 2}
	ys := []float64{3, 4, 5}
	tests := []struct {
		name string
		plot LinePlot
		want string
	}{
		{"no series", LinePlot{}, "no series"},
		{"no points", LinePlot{Series: []Series{{Label: "a"}}}, `series 0 ("a"): no points`},
		{"X/Y lengths", LinePlot{Series: []Series{{X: xs[:2], Y: ys}}}, "2 X values but 3 Y values"},
		{"second series bad", LinePlot{Series: []Series{{X: xs, Y: ys}, {Label: "b", X: xs, Y: ys[:1]}}}, `series 1 ("b")`},
		{"Lo without Hi", LinePlot{Series: []Series{{X: xs, Y: ys, Lo: ys}}}, "Lo and Hi must be given together"},
		{"band length", LinePlot{Series: []Series{{X: xs, Y: ys, Lo: ys, Hi: ys[:2]}}}, "3 Lo and 2 Hi values for 3 points"},
		{"NaN value", LinePlot{Series: []Series{{X: xs, Y: []float64{1, math.NaN(), 2}}}}, "Y[1] is NaN"},
		{"infinite band", LinePlot{Series: []Series{{X: xs, Y: ys, Lo: ys, Hi: []float64{1, 2, math.Inf(1)}}}}, "Hi[2] is +Inf"},
		{"negative size", LinePlot{Series: []Series{{X: xs, Y: ys}}, Width: -5}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.png")
			err := tt.plot.WritePNG(path)
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range []string{tt.want, path} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a failed write left %s behind (stat: %v)", path, err)
			}
		})
	}
}

func TestLinePlotFlatAndSinglePoint(t *testing.T) {
	// Degenerate ranges (constant Y, a single X) still render at the requested size.
	for _, s := range []Series{
		{Label: "flat", X: []float64{0, 1, 2}, Y: []float64{5, 5, 5}, Lo: []float64{5, 5, 5}, Hi: []float64{5, 5, 5}},
		{Label: "point", X: []float64{3}, Y: []float64{4}},
	} {
		img, err := LinePlot{Series: []Series{s}, Width: 300, Height: 200}.Image()
		if err != nil {
			t.Fatalf("%s: %v", s.Label, err)
		}
		if b := img.Bounds(); b.Dx() != 300 || b.Dy() != 200 {
			t.Errorf("%s: size %v, want 300x200", s.Label, b.Size())
		}
	}
}
