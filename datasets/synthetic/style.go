package synthetic

// rgb is a colour with channels in [0,1].
type rgb [3]float32

func c8(r, g, b uint8) rgb { return rgb{float32(r) / 255, float32(g) / 255, float32(b) / 255} }

// style is everything that differs in appearance and statistics between the two domains. The
// layout generator is shared; only these parameters change.
type style struct {
	skyTop, skyBottom rgb
	cloud             rgb
	cloudAmount       float32 // fraction of the sky under clouds (0 = none)

	road           rgb
	roadGrain      float32 // per-pixel grain amplitude
	roadBlotch     float32 // low-frequency blotch amplitude
	laneMarks      bool
	laneColor      rgb
	sidewalk       rgb
	sidewalkLine   rgb
	sidewalkBricks bool    // staggered bricks instead of a square tile grid
	tile           float32 // tile period at the image bottom, as a fraction of the width

	buildings     []rgb
	window        rgb
	windowStripes bool // vertical window bands instead of a window grid
	vegetation    rgb
	leafAmp       float32
	leafScale     float32
	terrain       rgb
	terrainStripe bool

	pole   rgb
	signs  []rgb
	cars   []rgb
	glass  rgb
	cloths []rgb
	pants  []rgb
	skins  []rgb

	// Object counts (Poisson means per image) and the scale of cars and people.
	carsMean, peopleMean, treesMean, polesMean float64
	objScale                                   float32

	// Weather: with probability hazeProb an image is hazy, haze drawn from [hazeLo, hazeHi];
	// haze greys the sky and lowers saturation and contrast of the whole image.
	hazeProb, hazeLo, hazeHi float32
	hazeSky                  rgb

	// Global photometry.
	gainLo, gainHi float32
	contrast       float32
	saturation     float32
	cast           rgb
	noise          float32 // sensor noise standard deviation
	blur           bool    // a [1 2 1]/4 separable blur
}

// sourceStyle is GTA5-like: sunny, saturated and warm, crisp, painted lane marks, many large
// cars in bright colours, few people.
func sourceStyle() *style {
	return &style{
		skyTop: c8(40, 110, 220), skyBottom: c8(150, 200, 245), cloud: c8(245, 245, 250), cloudAmount: 0.3,

		road: c8(95, 88, 92), roadGrain: 0.07, roadBlotch: 0.02, laneMarks: true, laneColor: c8(235, 230, 200),
		sidewalk: c8(190, 170, 145), sidewalkLine: c8(140, 120, 100), tile: 0.07,

		buildings:  []rgb{c8(200, 170, 130), c8(170, 90, 70), c8(220, 200, 160), c8(150, 150, 165), c8(125, 100, 80)},
		window:     c8(55, 80, 125),
		vegetation: c8(60, 150, 40), leafAmp: 0.16, leafScale: 1.5,
		terrain: c8(155, 170, 70), terrainStripe: true,

		pole:   c8(65, 65, 70),
		signs:  []rgb{c8(30, 80, 200), c8(210, 40, 40), c8(240, 240, 240)},
		cars:   []rgb{c8(200, 30, 30), c8(30, 60, 200), c8(230, 200, 30), c8(235, 235, 235), c8(25, 25, 25), c8(40, 150, 60), c8(240, 130, 20)},
		glass:  c8(40, 50, 75),
		cloths: []rgb{c8(220, 40, 40), c8(40, 170, 60), c8(240, 210, 40), c8(40, 190, 210), c8(150, 50, 170)},
		pants:  []rgb{c8(40, 50, 110), c8(60, 60, 60), c8(150, 120, 80)},
		skins:  []rgb{c8(230, 185, 150), c8(165, 115, 80)},

		carsMean: 4.5, peopleMean: 1.2, treesMean: 2, polesMean: 2, objScale: 1.15,

		hazeProb: 0.35, hazeLo: 0.3, hazeHi: 0.9, hazeSky: c8(200, 208, 220),

		gainLo: 0.9, gainHi: 1.2, contrast: 1.15, saturation: 1.15, cast: rgb{0.02, 0.01, -0.02},
		noise: 0.012,
	}
}

// targetStyle is Cityscapes-like: overcast, grey and cool, low contrast, sensor noise and a
// little blur, no lane marks, brick paving, fewer and smaller cars in dull colours, more
// people in dark clothes.
func targetStyle() *style {
	return &style{
		skyTop: c8(150, 175, 210), skyBottom: c8(205, 215, 228), cloud: c8(235, 235, 238), cloudAmount: 0.1,

		road: c8(102, 92, 106), roadGrain: 0.025, roadBlotch: 0.06,
		sidewalk: c8(178, 162, 148), sidewalkLine: c8(130, 118, 112), sidewalkBricks: true, tile: 0.05,

		buildings: []rgb{c8(170, 165, 160), c8(130, 118, 112), c8(192, 186, 176), c8(100, 100, 108)},
		window:    c8(70, 75, 88), windowStripes: true,
		vegetation: c8(65, 120, 40), leafAmp: 0.1, leafScale: 3,
		terrain: c8(140, 155, 75),

		pole:   c8(125, 125, 130),
		signs:  []rgb{c8(205, 200, 70), c8(230, 230, 230), c8(50, 90, 160)},
		cars:   []rgb{c8(120, 120, 126), c8(35, 35, 40), c8(215, 215, 215), c8(40, 50, 90), c8(170, 170, 176), c8(110, 40, 40)},
		glass:  c8(30, 35, 42),
		cloths: []rgb{c8(40, 40, 45), c8(75, 62, 50), c8(60, 70, 95), c8(125, 115, 105), c8(150, 45, 55)},
		pants:  []rgb{c8(35, 35, 40), c8(55, 55, 65)},
		skins:  []rgb{c8(220, 180, 155), c8(150, 105, 80)},

		carsMean: 2, peopleMean: 4, treesMean: 3, polesMean: 3, objScale: 0.9,

		hazeProb: 1, hazeLo: 0, hazeHi: 0.4, hazeSky: c8(215, 220, 228),

		gainLo: 0.9, gainHi: 1.08, contrast: 0.9, saturation: 0.85, cast: rgb{-0.02, 0, 0.03},
		noise: 0.025, blur: true,
	}
}

// styleOf returns the style of a domain; the target's is blended from the source's by shift.
func styleOf(domain string, shift float64) *style {
	if domain == Target {
		return blend(sourceStyle(), targetStyle(), float32(shift))
	}
	return sourceStyle()
}

// blend returns the style a fraction f of the way from a to b (f > 1 extrapolates past b): colours, amounts, counts and
// photometry interpolate linearly, palettes element-wise (a's palette cycled to b's length),
// and discrete choices (lane marks, bricks, window stripes, blur) follow b from f >= 0.5.
func blend(a, b *style, f float32) *style {
	c := func(x, y rgb) rgb {
		return rgb{x[0] + f*(y[0]-x[0]), x[1] + f*(y[1]-x[1]), x[2] + f*(y[2]-x[2])}
	}
	s := func(x, y float32) float32 { return x + f*(y-x) }
	d := func(x, y float64) float64 { return x + float64(f)*(y-x) }
	p := func(x, y []rgb) []rgb {
		out := make([]rgb, len(y))
		for i := range y {
			out[i] = c(x[i%len(x)], y[i])
		}
		return out
	}
	pickB := f >= 0.5
	choose := func(x, y bool) bool {
		if pickB {
			return y
		}
		return x
	}
	return &style{
		skyTop: c(a.skyTop, b.skyTop), skyBottom: c(a.skyBottom, b.skyBottom), cloud: c(a.cloud, b.cloud),
		cloudAmount: s(a.cloudAmount, b.cloudAmount),

		road: c(a.road, b.road), roadGrain: s(a.roadGrain, b.roadGrain), roadBlotch: s(a.roadBlotch, b.roadBlotch),
		laneMarks: choose(a.laneMarks, b.laneMarks), laneColor: c(a.laneColor, b.laneColor),
		sidewalk: c(a.sidewalk, b.sidewalk), sidewalkLine: c(a.sidewalkLine, b.sidewalkLine),
		sidewalkBricks: choose(a.sidewalkBricks, b.sidewalkBricks), tile: s(a.tile, b.tile),

		buildings: p(a.buildings, b.buildings), window: c(a.window, b.window),
		windowStripes: choose(a.windowStripes, b.windowStripes),
		vegetation:    c(a.vegetation, b.vegetation), leafAmp: s(a.leafAmp, b.leafAmp), leafScale: s(a.leafScale, b.leafScale),
		terrain: c(a.terrain, b.terrain), terrainStripe: choose(a.terrainStripe, b.terrainStripe),

		pole: c(a.pole, b.pole), signs: p(a.signs, b.signs), cars: p(a.cars, b.cars), glass: c(a.glass, b.glass),
		cloths: p(a.cloths, b.cloths), pants: p(a.pants, b.pants), skins: p(a.skins, b.skins),

		carsMean: max(0.1, d(a.carsMean, b.carsMean)), peopleMean: max(0.1, d(a.peopleMean, b.peopleMean)),
		treesMean: max(0.1, d(a.treesMean, b.treesMean)), polesMean: max(0.1, d(a.polesMean, b.polesMean)),
		objScale: max(0.3, s(a.objScale, b.objScale)),

		hazeProb: s(a.hazeProb, b.hazeProb), hazeLo: s(a.hazeLo, b.hazeLo), hazeHi: s(a.hazeHi, b.hazeHi),
		hazeSky: c(a.hazeSky, b.hazeSky),

		gainLo: s(a.gainLo, b.gainLo), gainHi: s(a.gainHi, b.gainHi), contrast: s(a.contrast, b.contrast),
		saturation: s(a.saturation, b.saturation), cast: c(a.cast, b.cast), noise: s(a.noise, b.noise),
		blur: choose(a.blur, b.blur),
	}
}
