package figures

import (
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestViridisEndpointsAndClamping(t *testing.T) {
	first, last := viridisAnchors[0], viridisAnchors[len(viridisAnchors)-1]
	mid := viridisAnchors[len(viridisAnchors)/2]
	tests := []struct {
		name string
		v    float64
		want color.RGBA
	}{
		{"zero is the first anchor", 0, first},
		{"one is the last anchor", 1, last},
		{"half is the middle anchor", 0.5, mid},
		{"below zero clamps", -3, first},
		{"above one clamps", 7.5, last},
		{"minus infinity clamps", math.Inf(-1), first},
		{"plus infinity clamps", math.Inf(1), last},
		{"NaN is grey", math.NaN(), nanColor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Viridis(tt.v); got != tt.want {
				t.Errorf("Viridis(%v) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}

// luma is the Rec. 601 brightness of c.
func luma(c color.RGBA) float64 {
	return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
}

func TestViridisDarkToBright(t *testing.T) {
	const steps = 64
	prev := luma(Viridis(0))
	for i := 1; i <= steps; i++ {
		v := float64(i) / steps
		l := luma(Viridis(v))
		if l < prev {
			t.Fatalf("brightness falls from %.1f to %.1f at %.3f", prev, l, v)
		}
		prev = l
	}
	if d := luma(Viridis(1)) - luma(Viridis(0)); d < 100 {
		t.Errorf("brightness range %.1f is too small for a perceptual map", d)
	}
}

func TestViridisInterpolatesBetweenAnchors(t *testing.T) {
	n := len(viridisAnchors) - 1
	for i := range n {
		a, b := viridisAnchors[i], viridisAnchors[i+1]
		got := Viridis((float64(i) + 0.5) / float64(n))
		for _, ch := range []struct {
			name    string
			x, a, b uint8
		}{{"R", got.R, a.R, b.R}, {"G", got.G, a.G, b.G}, {"B", got.B, a.B, b.B}} {
			mid := (float64(ch.a) + float64(ch.b)) / 2
			if math.Abs(float64(ch.x)-mid) > 0.5 {
				t.Errorf("segment %d midpoint: %s = %d, want the anchors' mean %.1f", i, ch.name, ch.x, mid)
			}
		}
	}
}

func TestHeatMapPixels(t *testing.T) {
	const w, h = 3, 2
	v := []float32{0, 0.5, 1, -1, 2, float32(math.NaN())}
	img, err := HeatMap(v, w, h)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	want := [h][w]color.RGBA{
		{viridisAnchors[0], viridisAnchors[len(viridisAnchors)/2], viridisAnchors[len(viridisAnchors)-1]},
		{viridisAnchors[0], viridisAnchors[len(viridisAnchors)-1], nanColor},
	}
	for y := range h {
		for x := range w {
			if got := img.RGBAAt(x, y); got != want[y][x] {
				t.Errorf("pixel (%d,%d) for value %v = %v, want %v", x, y, v[y*w+x], got, want[y][x])
			}
		}
	}
}

func TestHeatMapErrors(t *testing.T) {
	tests := []struct {
		name    string
		n, w, h int
		want    string
	}{
		{"zero width", 0, 0, 4, "must be positive"},
		{"negative height", 4, 4, -1, "must be positive"},
		{"too few values", 5, 3, 2, "5 values for a 3x2 map"},
		{"too many values", 7, 3, 2, "7 values for a 3x2 map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := HeatMap(make([]float32, tt.n), tt.w, tt.h)
			if err == nil {
				t.Fatalf("no error, got a %v image", img.Bounds())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
