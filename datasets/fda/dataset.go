package fda

import (
	"fmt"
	"math"

	"github.com/dast-uda/dast/datasets"
)

// pairStride is the multiplier of the deterministic source -> target pairing.
const pairStride = 7919

// TargetIndex is the index of the target image that source image i is restyled with when the
// target set has n images: (i*7919) mod n.
func TargetIndex(i, n int) int {
	return int((int64(i) * pairStride) % int64(n))
}

type dataset struct {
	src, tgt datasets.Dataset
	beta     float64
}

// NewDataset wraps a labelled source dataset: image i is source image i restyled (see
// Restyle) with target image TargetIndex(i, tgt.Len()), a deterministic pairing; labels and
// sample names are the source's. A target image of another size is first resized to the
// source's size by bilinear interpolation (pixel centres aligned, edges clamped).
func NewDataset(src, tgt datasets.Dataset, beta float64) (datasets.Dataset, error) {
	if src == nil || tgt == nil {
		return nil, fmt.Errorf("fda: nil source or target dataset")
	}
	if tgt.Len() <= 0 {
		return nil, fmt.Errorf("fda: target dataset is empty")
	}
	if !(beta >= 0 && beta < 1) {
		return nil, fmt.Errorf("fda: beta %v outside [0, 1)", beta)
	}
	return &dataset{src: src, tgt: tgt, beta: beta}, nil
}

func (d *dataset) Len() int        { return d.src.Len() }
func (d *dataset) NumClasses() int { return d.src.NumClasses() }

func (d *dataset) Get(i int) (datasets.Sample, error) {
	s, err := d.src.Get(i)
	if err != nil {
		return datasets.Sample{}, fmt.Errorf("fda: source %d: %w", i, err)
	}
	if err := s.Validate(); err != nil {
		return datasets.Sample{}, fmt.Errorf("fda: source %d: %w", i, err)
	}
	j := TargetIndex(i, d.tgt.Len())
	t, err := d.tgt.Get(j)
	if err != nil {
		return datasets.Sample{}, fmt.Errorf("fda: target %d for source %d: %w", j, i, err)
	}
	if err := t.Validate(); err != nil {
		return datasets.Sample{}, fmt.Errorf("fda: target %d for source %d: %w", j, i, err)
	}
	trgb := t.RGB
	if t.H != s.H || t.W != s.W {
		trgb = resizeBilinear(t.RGB, t.H, t.W, s.H, s.W)
	}
	rgb, err := Restyle(s.RGB, trgb, s.H, s.W, d.beta)
	if err != nil {
		return datasets.Sample{}, fmt.Errorf("fda: source %q with target %q: %w", s.Name, t.Name, err)
	}
	s.RGB = rgb
	return s, nil
}

// resizeBilinear resizes an RGB HWC image from h x w to oh x ow, sampling output pixel centre
// (y+0.5)*h/oh-0.5 (and likewise in x) with edge clamping.
func resizeBilinear(rgb []uint8, h, w, oh, ow int) []uint8 {
	out := make([]uint8, oh*ow*3)
	sy, sx := float64(h)/float64(oh), float64(w)/float64(ow)
	for y := 0; y < oh; y++ {
		fy := math.Max((float64(y)+0.5)*sy-0.5, 0)
		y0 := min(int(fy), h-1)
		y1 := min(y0+1, h-1)
		ay := fy - float64(y0)
		for x := 0; x < ow; x++ {
			fx := math.Max((float64(x)+0.5)*sx-0.5, 0)
			x0 := min(int(fx), w-1)
			x1 := min(x0+1, w-1)
			ax := fx - float64(x0)
			for c := 0; c < 3; c++ {
				p := func(yy, xx int) float64 { return float64(rgb[(yy*w+xx)*3+c]) }
				v := (1-ay)*((1-ax)*p(y0, x0)+ax*p(y0, x1)) + ay*((1-ax)*p(y1, x0)+ax*p(y1, x1))
				out[(y*ow+x)*3+c] = toByte(v)
			}
		}
	}
	return out
}
