package classes

import (
	"fmt"
	"image"
)

// Colorize renders a w x h trainId map (row-major) as an RGB image in the Cityscapes colours;
// Ignore and ids outside 0..18 are black.
func Colorize(label []uint8, w, h int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 || len(label) != w*h {
		return nil, fmt.Errorf("colorize: label has %d values, want %dx%d", len(label), w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, v := range label {
		c := Color(v)
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2], p[3] = c.R, c.G, c.B, 255
	}
	return img, nil
}
