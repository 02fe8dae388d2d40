package figures

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// viridisAnchors samples the viridis colour map at nine evenly spaced points of [0,1];
// Viridis interpolates linearly between neighbours. Index 0 is the dark end.
var viridisAnchors = [...]color.RGBA{
	{0x44, 0x01, 0x54, 0xff},
	{0x47, 0x2d, 0x7b, 0xff},
	{0x3b, 0x52, 0x8b, 0xff},
	{0x2c, 0x72, 0x8e, 0xff},
	{0x21, 0x90, 0x8c, 0xff},
	{0x27, 0xad, 0x81, 0xff},
	{0x5d, 0xc8, 0x63, 0xff},
	{0xaa, 0xdc, 0x32, 0xff},
	{0xfd, 0xe7, 0x25, 0xff},
}

// nanColor is the mid grey that Viridis and HeatMap give a NaN value.
var nanColor = color.RGBA{0x80, 0x80, 0x80, 0xff}

// Viridis maps t in [0,1] to an opaque colour of the viridis map (0 dark purple,
// 1 bright yellow). Values outside [0,1] are clamped; NaN gives mid grey (128,128,128).
func Viridis(t float64) color.RGBA {
	if math.IsNaN(t) {
		return nanColor
	}
	t = min(max(t, 0), 1)
	pos := t * float64(len(viridisAnchors)-1)
	i := int(pos)
	if i >= len(viridisAnchors)-1 {
		return viridisAnchors[len(viridisAnchors)-1]
	}
	f := pos - float64(i)
	a, b := viridisAnchors[i], viridisAnchors[i+1]
	mix := func(x, y uint8) uint8 {
		return uint8(math.Round(float64(x) + f*(float64(y)-float64(x))))
	}
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// HeatMap renders a w x h map of values in [0,1] (row-major: v[y*w+x]) as an RGBA image
// coloured with Viridis: 0 dark, 1 bright. Values outside [0,1] are clamped and NaN is
// drawn mid grey. It is an error if w or h is not positive or len(v) != w*h.
func HeatMap(v []float32, w, h int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("heat map: size %dx%d: width and height must be positive", w, h)
	}
	if len(v) != w*h {
		return nil, fmt.Errorf("heat map: %d values for a %dx%d map (want %d)", len(v), w, h, w*h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, Viridis(float64(v[y*w+x])))
		}
	}
	return img, nil
}
