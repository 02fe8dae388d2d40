package loader

import (
	"fmt"
	"image"

	"golang.org/x/image/draw"
)

// Size is a target image size; the zero Size keeps the native size.
type Size struct{ W, H int }

// Native reports whether s keeps images at their native size.
func (s Size) Native() bool { return s.W == 0 && s.H == 0 }

// ParseSize reads a resize option [W, H]: empty or [0, 0] keeps the native size; otherwise both
// must be in 1..16384.
func ParseSize(v []int) (Size, error) {
	switch {
	case len(v) == 0:
		return Size{}, nil
	case len(v) != 2:
		return Size{}, fmt.Errorf("resize %v: want [width, height]", v)
	case v[0] == 0 && v[1] == 0:
		return Size{}, nil
	case v[0] < 1 || v[1] < 1 || v[0] > 16384 || v[1] > 16384:
		return Size{}, fmt.Errorf("resize %v: want both sides in 1..16384, or [0, 0] for the native size", v)
	}
	return Size{W: v[0], H: v[1]}, nil
}

// ResizeRGB resizes a row-major HWC RGB image from w x h to nw x nh with bicubic (Catmull-Rom)
// interpolation. It returns rgb itself when the size does not change.
func ResizeRGB(rgb []uint8, w, h, nw, nh int) ([]uint8, error) {
	if w <= 0 || h <= 0 || len(rgb) != w*h*3 || nw <= 0 || nh <= 0 {
		return nil, fmt.Errorf("resize rgb: %d bytes for %dx%d to %dx%d", len(rgb), w, h, nw, nh)
	}
	if w == nw && h == nh {
		return rgb, nil
	}
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		p := src.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2], p[3] = rgb[3*i], rgb[3*i+1], rgb[3*i+2], 255
	}
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	out := make([]uint8, nw*nh*3)
	for i := 0; i < nw*nh; i++ {
		copy(out[3*i:3*i+3], dst.Pix[4*i:4*i+3])
	}
	return out, nil
}

// ResizeLabel resizes a row-major label map from w x h to nw x nh with nearest-neighbour
// sampling: output pixel x takes source column floor((x+0.5)*w/nw), the convention of PIL's
// NEAREST. It returns ids itself when the size does not change.
func ResizeLabel(ids []uint8, w, h, nw, nh int) ([]uint8, error) {
	if w <= 0 || h <= 0 || len(ids) != w*h || nw <= 0 || nh <= 0 {
		return nil, fmt.Errorf("resize label: %d values for %dx%d to %dx%d", len(ids), w, h, nw, nh)
	}
	if w == nw && h == nh {
		return ids, nil
	}
	cols := make([]int, nw)
	for x := range cols {
		cols[x] = min((2*x+1)*w/(2*nw), w-1)
	}
	out := make([]uint8, nw*nh)
	for y := 0; y < nh; y++ {
		sy := min((2*y+1)*h/(2*nh), h-1)
		row := ids[sy*w : sy*w+w]
		o := out[y*nw : y*nw+nw]
		for x, sx := range cols {
			o[x] = row[sx]
		}
	}
	return out, nil
}
