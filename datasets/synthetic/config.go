// Package synthetic is a procedural street-scene benchmark in the Cityscapes trainId space with
// two domains that differ the way GTA5 and Cityscapes do: "source" (vivid, sunny, crisp, many
// large cars) and "target" (overcast, grey, low contrast, noisy and slightly blurred, more
// people). Both domains share the scene layout (horizon, road in perspective, sidewalks,
// buildings, trees, poles with signs, cars, people), so adaptation has something to align.
//
// A third domain, "pretrain", is the benchmark's ImageNet: the same kind of scenes under a
// style drawn at random for every image (palettes, textures, object counts, weather and
// photometry sampled from broad ranges, independent of both domains' styles), labelled with
// the 7 Cityscapes categories instead of the 19 trainIds (Categories). Backbones are pretrained
// on it; it shares no images and no style parameters with the source or the target.
//
// Every image is a pure function of (Seed, Domain, Split, index): no global random state, and
// Get(i) returns identical bytes on every call.
package synthetic

import "fmt"

// Domain names.
const (
	Source   = "source"
	Target   = "target"
	Pretrain = "pretrain"
)

// Split names.
const (
	Train = "train"
	Val   = "val"
)

// MaxShift is the largest accepted Config.Shift.
const MaxShift = 2

// MinSide is the smallest accepted image height or width.
const MinSide = 16

// Config selects one split of one domain.
type Config struct {
	Domain string `koanf:"domain"` // "source" (GTA5-like), "target" (Cityscapes-like) or "pretrain" (randomised styles, 7 categories)
	Split  string `koanf:"split"`  // "train" or "val"
	Size   int    `koanf:"size"`   // number of images
	Height int    `koanf:"height"` // image height in pixels
	Width  int    `koanf:"width"`  // image width in pixels
	Seed   int64  `koanf:"seed"`   // base seed; images also depend on domain, split and index
	// Shift is the strength of the domain gap, in (0, 2]: the target style is blended from
	// the source style (0) to the full target style (1, the default); above 1 it extrapolates
	// past the target style (a wider gap). The source and pretrain domains ignore it.
	Shift float64 `koanf:"shift"`
}

// DefaultConfig returns the default configuration: 2000 source training images of 64x128.
func DefaultConfig() Config {
	return Config{Domain: Source, Split: Train, Size: 2000, Height: 64, Width: 128, Seed: 1, Shift: 1}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Domain != Source && c.Domain != Target && c.Domain != Pretrain:
		return fmt.Errorf("synthetic: domain %q: want %q, %q or %q", c.Domain, Source, Target, Pretrain)
	case c.Split != Train && c.Split != Val:
		return fmt.Errorf("synthetic: split %q: want %q or %q", c.Split, Train, Val)
	case c.Size <= 0:
		return fmt.Errorf("synthetic: size %d: want at least 1 image", c.Size)
	case c.Height < MinSide || c.Height > 4096:
		return fmt.Errorf("synthetic: height %d: want %d..4096", c.Height, MinSide)
	case c.Width < MinSide || c.Width > 4096:
		return fmt.Errorf("synthetic: width %d: want %d..4096", c.Width, MinSide)
	case !(c.Shift > 0 && c.Shift <= MaxShift):
		return fmt.Errorf("synthetic: shift %v: want 0 < shift <= %v (1 = the target style)", c.Shift, MaxShift)
	}
	return nil
}
