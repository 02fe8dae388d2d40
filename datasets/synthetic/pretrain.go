package synthetic

import (
	"math/rand/v2"

	"github.com/dast-uda/dast/classes"
)

// Cityscapes categories, the pretrain domain's label set (the void category is not scored).
const (
	Flat uint8 = iota
	Construction
	Object
	Nature
	SkyCategory
	Human
	Vehicle
)

var categoryNames = [...]string{"flat", "construction", "object", "nature", "sky", "human", "vehicle"}

// Categories returns, for every Cityscapes trainId, its category (the grouping of Cityscapes'
// own label table: road and sidewalk are flat, pole and traffic sign are objects, ...).
func Categories() [classes.NumCityscapes]uint8 {
	var out [classes.NumCityscapes]uint8
	for id := range out {
		out[id] = categoryOf(uint8(id))
	}
	return out
}

func categoryOf(id uint8) uint8 {
	switch id {
	case classes.Road, classes.Sidewalk:
		return Flat
	case classes.Building, classes.Wall, classes.Fence:
		return Construction
	case classes.Pole, classes.TrafficLight, classes.TrafficSign:
		return Object
	case classes.Vegetation, classes.Terrain:
		return Nature
	case classes.Sky:
		return SkyCategory
	case classes.Person, classes.Rider:
		return Human
	}
	return Vehicle // car, truck, bus, train, motorcycle, bicycle
}

// toCategories maps a label map of trainIds to categories in place; Ignore stays Ignore.
func toCategories(lab []uint8) {
	for i, v := range lab {
		if v != classes.Ignore {
			lab[i] = categoryOf(v)
		}
	}
}

// randomStyle draws the style of one pretrain image. Every parameter is sampled from a broad
// range of what the generator can paint (any colour, textures off to strong, few to many
// objects, clear to hazy, flat to punchy photometry), independently of sourceStyle and
// targetStyle: like ImageNet for GTA5 and Cityscapes, the distribution contains scenes that
// resemble either domain only by chance, and it was not tuned toward either.
func randomStyle(r *rand.Rand) *style {
	u := func(lo, hi float32) float32 { return lo + (hi-lo)*r.Float32() }
	d := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	col := func() rgb { return rgb{u(0.05, 0.95), u(0.05, 0.95), u(0.05, 0.95)} }
	pal := func(lo, hi int) []rgb {
		out := make([]rgb, lo+r.IntN(hi-lo+1))
		for i := range out {
			out[i] = col()
		}
		return out
	}
	coin := func() bool { return r.IntN(2) == 0 }
	hazeLo := u(0, 0.4)
	gainLo := u(0.8, 1)
	return &style{
		skyTop: col(), skyBottom: col(), cloud: col(), cloudAmount: u(0, 0.4),

		road: col(), roadGrain: u(0, 0.1), roadBlotch: u(0, 0.08), laneMarks: coin(), laneColor: col(),
		sidewalk: col(), sidewalkLine: col(), sidewalkBricks: coin(), tile: u(0.04, 0.09),

		buildings: pal(2, 6), window: col(), windowStripes: coin(),
		vegetation: col(), leafAmp: u(0.05, 0.2), leafScale: u(1, 4),
		terrain: col(), terrainStripe: coin(),

		pole: col(), signs: pal(2, 4), cars: pal(3, 7), glass: col(),
		cloths: pal(2, 5), pants: pal(1, 3), skins: pal(1, 3),

		carsMean: d(1, 5), peopleMean: d(0.5, 5), treesMean: d(1, 4), polesMean: d(1, 4), objScale: u(0.8, 1.2),

		hazeProb: u(0, 1), hazeLo: hazeLo, hazeHi: hazeLo + u(0, 0.6), hazeSky: col(),

		gainLo: gainLo, gainHi: gainLo + u(0, 0.3), contrast: u(0.7, 1.25), saturation: u(0.6, 1.3),
		cast: rgb{u(-0.04, 0.04), u(-0.04, 0.04), u(-0.04, 0.04)}, noise: u(0, 0.035), blur: coin(),
	}
}
