package synthetic

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dast-uda/dast/classes"
)

// canvas holds the image being painted: linear colours and the trainId of every pixel.
type canvas struct {
	w, h int
	col  []float32 // h*w*3
	lab  []uint8   // h*w
}

func (c *canvas) set(x, y int, cls uint8, v rgb) {
	i := y*c.w + x
	c.lab[i] = cls
	c.col[3*i], c.col[3*i+1], c.col[3*i+2] = v[0], v[1], v[2]
}

// shader gives the colour of an object at a pixel.
type shader func(x, y int) rgb

func (c *canvas) rect(x0, y0, x1, y1 float32, cls uint8, sh shader) {
	xa, xb := clampi(int(math.Round(float64(x0))), 0, c.w), clampi(int(math.Round(float64(x1))), 0, c.w)
	ya, yb := clampi(int(math.Round(float64(y0))), 0, c.h), clampi(int(math.Round(float64(y1))), 0, c.h)
	for y := ya; y < yb; y++ {
		for x := xa; x < xb; x++ {
			c.set(x, y, cls, sh(x, y))
		}
	}
}

func (c *canvas) ellipse(cx, cy, rx, ry float32, cls uint8, sh shader) {
	if rx < 0.5 {
		rx = 0.5
	}
	if ry < 0.5 {
		ry = 0.5
	}
	ya, yb := clampi(int(cy-ry), 0, c.h), clampi(int(cy+ry)+1, 0, c.h)
	xa, xb := clampi(int(cx-rx), 0, c.w), clampi(int(cx+rx)+1, 0, c.w)
	for y := ya; y < yb; y++ {
		dy := (float32(y) + 0.5 - cy) / ry
		for x := xa; x < xb; x++ {
			dx := (float32(x) + 0.5 - cx) / rx
			if dx*dx+dy*dy <= 1 {
				c.set(x, y, cls, sh(x, y))
			}
		}
	}
}

func clampi(v, lo, hi int) int { return min(max(v, lo), hi) }

func flat(v rgb) shader { return func(int, int) rgb { return v } }

func scale(v rgb, f float32) rgb { return rgb{v[0] * f, v[1] * f, v[2] * f} }

func jitter(r *rand.Rand, v rgb, amp float32) rgb {
	f := 1 + amp*(2*r.Float32()-1)
	return scale(v, f)
}

func pick(r *rand.Rand, p []rgb) rgb { return p[r.IntN(len(p))] }

// street is the shared layout: horizon, vanishing point, road and sidewalk geometry.
type street struct {
	w, h           float32
	hy             float32 // horizon row
	vx             float32 // vanishing point column
	roadLB, roadRB float32 // road edges at the image bottom
	walkB          float32 // sidewalk width at the image bottom
	haze           float32 // weather: 0 clear .. 1 hazy
}

// depth returns the perspective factor of row y: 0 at the horizon, 1 at the bottom.
func (s *street) depth(y float32) float32 {
	if y <= s.hy {
		return 0
	}
	return (y - s.hy) / (s.h - s.hy)
}

func (s *street) rowOf(t float32) float32 { return s.hy + t*(s.h-s.hy) }

func (s *street) roadL(t float32) float32  { return s.vx + t*(s.roadLB-s.vx) }
func (s *street) roadR(t float32) float32  { return s.vx + t*(s.roadRB-s.vx) }
func (s *street) outerL(t float32) float32 { return s.roadL(t) - t*s.walkB }
func (s *street) outerR(t float32) float32 { return s.roadR(t) + t*s.walkB }

// block is one stretch of roadside: a building, a mass of trees, or open ground.
type block struct {
	kind   uint8 // classes.Building, classes.Vegetation, or classes.Terrain for open ground
	x0, x1 int
	top    []float32 // skyline row per column of the block
	color  rgb
	period float32 // window period in pixels
	salt   uint64
}

// render paints one scene of the given style into a canvas.
func render(r *rand.Rand, st *style, w, h int) (*canvas, float32) {
	c := &canvas{w: w, h: h, col: make([]float32, w*h*3), lab: make([]uint8, w*h)}
	W, H := float32(w), float32(h)
	s := &street{w: W, h: H}
	s.hy = H * (0.36 + 0.14*r.Float32())
	s.vx = W * (0.35 + 0.3*r.Float32())
	cb := s.vx + W*(0.2*r.Float32()-0.1)
	half := W * (0.3 + 0.2*r.Float32())
	s.roadLB, s.roadRB = cb-half, cb+half
	s.walkB = W * (0.12 + 0.14*r.Float32())
	salt := r.Uint64()
	if r.Float32() < st.hazeProb {
		s.haze = min(1, max(0, st.hazeLo+(st.hazeHi-st.hazeLo)*r.Float32()))
	}

	blocks := roadside(r, st, s, w)
	colBlock := make([]int, w)
	for i, b := range blocks {
		for x := b.x0; x < b.x1; x++ {
			colBlock[x] = i
		}
	}
	for y := 0; y < h; y++ {
		fy := float32(y) + 0.5
		t := s.depth(fy)
		for x := 0; x < w; x++ {
			fx := float32(x) + 0.5
			b := &blocks[colBlock[x]]
			switch {
			case fy < s.hy:
				if b.kind != classes.Terrain && fy >= b.top[x-b.x0] {
					c.set(x, y, b.kind, shadeBlock(st, b, x, y))
				} else {
					c.set(x, y, classes.Sky, shadeSky(st, s, x, y, salt))
				}
			case fx >= s.roadL(t) && fx <= s.roadR(t):
				c.set(x, y, classes.Road, shadeRoad(st, s, x, y, t, salt))
			case fx >= s.outerL(t) && fx <= s.outerR(t):
				c.set(x, y, classes.Sidewalk, shadeSidewalk(st, s, x, y, t, salt))
			case b.kind == classes.Building:
				c.set(x, y, classes.Building, shadeBlock(st, b, x, y))
			default:
				c.set(x, y, classes.Terrain, shadeTerrain(st, x, y, t, salt))
			}
		}
	}
	objects(r, st, s, c)
	return c, s.haze
}

// roadside splits the columns left and right of the vanishing point into blocks whose
// skyline rises with the distance from the vanishing point.
func roadside(r *rand.Rand, st *style, s *street, w int) []block {
	var out []block
	vx := clampi(int(s.vx), 1, w-1)
	add := func(x0, x1 int, dist func(x int) float32) {
		b := block{x0: x0, x1: x1, salt: r.Uint64()}
		switch u := r.Float32(); {
		case u < 0.62:
			b.kind = classes.Building
			b.color = jitter(r, pick(r, st.buildings), 0.12)
		case u < 0.85:
			b.kind = classes.Vegetation
			b.color = jitter(r, st.vegetation, 0.12)
		default:
			b.kind = classes.Terrain
		}
		a := 0.45 + 0.9*r.Float32()
		d := dist((x0 + x1) / 2)
		b.period = max(2, s.w*0.045*(0.3+d))
		b.top = make([]float32, x1-x0)
		for x := x0; x < x1; x++ {
			top := s.hy - a*dist(x)*s.hy*1.3
			if b.kind == classes.Vegetation {
				top -= 0.08 * s.h * valueNoise(float32(x), 0, 3, b.salt)
			}
			b.top[x-x0] = top
		}
		out = append(out, b)
	}
	left := func(x int) float32 { return (s.vx - float32(x)) / s.vx }
	right := func(x int) float32 { return (float32(x) - s.vx) / (s.w - s.vx) }
	for x := 0; x < vx; {
		bw := max(2, int(s.w*(0.06+0.14*r.Float32())*(0.25+left(x))))
		x1 := min(vx, x+bw)
		add(x, x1, left)
		x = x1
	}
	for x := w; x > vx; {
		bw := max(2, int(s.w*(0.06+0.14*r.Float32())*(0.25+right(x-1))))
		x0 := max(vx, x-bw)
		add(x0, x, right)
		x = x0
	}
	return out
}

func shadeSky(st *style, s *street, x, y int, salt uint64) rgb {
	f := float32(y) / max(1, s.hy)
	var v rgb
	for k := range v {
		v[k] = st.skyTop[k]*(1-f) + st.skyBottom[k]*f
	}
	if st.cloudAmount > 0 {
		n := valueNoise(float32(x), float32(y)*2, 10, salt^0xc10d)
		if th := 1 - st.cloudAmount; n > th {
			a := min(1, (n-th)*6)
			for k := range v {
				v[k] = v[k]*(1-a) + st.cloud[k]*a
			}
		}
	}
	for k := range v {
		v[k] += s.haze * (st.hazeSky[k] - v[k])
	}
	return v
}

func shadeRoad(st *style, s *street, x, y int, t float32, salt uint64) rgb {
	v := st.road
	f := 1 + st.roadGrain*(2*hash2(x, y, salt^0x70ad)-1) + st.roadBlotch*(2*valueNoise(float32(x), float32(y)*3, 9, salt^0xb10c)-1)
	if st.laneMarks {
		mid := (s.roadL(t) + s.roadR(t)) / 2
		if d := float32(x) + 0.5 - mid; d*d <= max(0.3, 0.012*s.w*t)*max(0.3, 0.012*s.w*t) {
			// Dashes equally spaced in depth: period shrinks toward the horizon.
			if math.Mod(float64(1/max(t, 0.02)), 0.9) < 0.45 {
				return st.laneColor
			}
		}
	}
	return scale(v, f)
}

func shadeSidewalk(st *style, s *street, x, y int, t float32, salt uint64) rgb {
	p := max(2, st.tile*s.w*t)
	fx, fy := float32(x), float32(y)*1.6
	if st.sidewalkBricks && int(fy/p)%2 == 1 {
		fx += p / 2
	}
	lx, ly := fx-p*floor(fx/p), fy-p*floor(fy/p)
	if lx < 1 || ly < 1 {
		return st.sidewalkLine
	}
	return scale(st.sidewalk, 1+0.04*(2*hash2(x, y, salt^0x5a1)-1))
}

func shadeTerrain(st *style, x, y int, t float32, salt uint64) rgb {
	f := 1 + 0.08*(2*hash2(x, y, salt^0x7e2)-1)
	if st.terrainStripe && int(float32(y)/max(2, 6*t))%2 == 0 {
		f *= 0.9
	}
	return scale(st.terrain, f)
}

func shadeBlock(st *style, b *block, x, y int) rgb {
	if b.kind == classes.Vegetation {
		n := valueNoise(float32(x), float32(y), st.leafScale, b.salt)
		return scale(b.color, 1+st.leafAmp*(2*n-1))
	}
	p := b.period
	lx := float32(x-b.x0) - p*floor(float32(x-b.x0)/p)
	ly := float32(y) - p*floor(float32(y)/p)
	if st.windowStripes {
		if lx > 0.35*p && lx < 0.75*p {
			return st.window
		}
	} else if lx > 0.3*p && lx < 0.75*p && ly > 0.3*p && ly < 0.8*p {
		return st.window
	}
	return b.color
}

// thing is an object placed on the street, painted far to near.
type thing struct {
	t     float32
	paint func()
}

func poisson(r *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p < l {
			return k
		}
		k++
	}
}

// depthSample draws a perspective factor, biased toward the distance.
func depthSample(r *rand.Rand) float32 {
	u := r.Float32()
	return 0.12 + 0.88*u*float32(math.Sqrt(float64(u)))
}

func objects(r *rand.Rand, st *style, s *street, c *canvas) {
	var things []thing
	for range poisson(r, st.treesMean) {
		t, left := depthSample(r), r.IntN(2) == 0
		col := jitter(r, st.vegetation, 0.15)
		salt := r.Uint64()
		things = append(things, thing{t, func() {
			y := s.rowOf(t)
			x := s.outerL(t) + 0.3*t*s.walkB
			if !left {
				x = s.outerR(t) - 0.3*t*s.walkB
			}
			tw, th := max(1, 0.014*s.w*t), 0.22*s.h*t
			c.rect(x-tw/2, y-th, x+tw/2, y, classes.Vegetation, flat(scale(col, 0.55)))
			rx, ry := 0.09*s.w*t, 0.16*s.h*t
			c.ellipse(x, y-th-0.7*ry, rx, ry, classes.Vegetation, func(px, py int) rgb {
				return scale(col, 1+st.leafAmp*(2*valueNoise(float32(px), float32(py), st.leafScale, salt)-1))
			})
		}})
	}
	for range poisson(r, st.polesMean) {
		t, left, sign := depthSample(r), r.IntN(2) == 0, r.Float32() < 0.6
		signCol := pick(r, st.signs)
		things = append(things, thing{t, func() {
			y := s.rowOf(t)
			x := s.roadL(t) - 0.25*t*s.walkB
			if !left {
				x = s.roadR(t) + 0.25*t*s.walkB
			}
			pw, ph := max(1, 0.008*s.w*t), 0.7*s.h*t
			c.rect(x-pw/2, y-ph, x+pw/2, y, classes.Pole, flat(st.pole))
			if sign {
				sz := max(2, 0.05*s.w*t)
				c.rect(x-sz/2, y-ph, x+sz/2, y-ph+sz, classes.TrafficSign, func(px, py int) rgb {
					if float32(px) < x-sz/2+1 || float32(px) > x+sz/2-1.5 {
						return scale(signCol, 0.8)
					}
					return signCol
				})
			}
		}})
	}
	for range poisson(r, st.carsMean) {
		t := depthSample(r)
		size := st.objScale * (0.85 + 0.3*r.Float32())
		u := r.Float32()
		body := jitter(r, pick(r, st.cars), 0.08)
		things = append(things, thing{t, func() {
			y := s.rowOf(t)
			cw := 0.3 * s.w * t * size
			lo, hi := s.roadL(t), s.roadR(t)-cw
			x0 := lo + u*max(0, hi-lo)
			if hi < lo {
				x0 = (lo + hi) / 2
			}
			bh, ch := 0.3*cw, 0.2*cw
			c.rect(x0, y-bh, x0+cw, y-0.12*cw, classes.Car, func(px, py int) rgb {
				if float32(py) < y-bh+1 {
					return scale(body, 1.15)
				}
				return body
			})
			c.rect(x0+0.18*cw, y-bh-ch, x0+0.82*cw, y-bh, classes.Car, func(px, py int) rgb {
				if float32(px) > x0+0.23*cw && float32(px) < x0+0.77*cw && float32(py) > y-bh-ch+1 {
					return st.glass
				}
				return body
			})
			wr := 0.09 * cw
			for _, wx := range []float32{x0 + 0.2*cw, x0 + 0.8*cw} {
				c.ellipse(wx, y-wr, wr, wr, classes.Car, flat(c8(20, 20, 22)))
			}
		}})
	}
	for range poisson(r, st.peopleMean) {
		t := depthSample(r)
		size := st.objScale * (0.9 + 0.2*r.Float32())
		onRoad, left, u := r.Float32() < 0.2, r.IntN(2) == 0, r.Float32()
		cloth, pants, skin := pick(r, st.cloths), pick(r, st.pants), pick(r, st.skins)
		things = append(things, thing{t, func() {
			y := s.rowOf(t)
			var x float32
			switch {
			case onRoad:
				x = s.roadL(t) + u*(s.roadR(t)-s.roadL(t))
			case left:
				x = s.outerL(t) + u*t*s.walkB
			default:
				x = s.outerR(t) - u*t*s.walkB
			}
			ph := 0.42 * s.h * t * size
			pw := 0.28 * ph
			c.rect(x-pw/2, y-0.48*ph, x+pw/2, y, classes.Person, flat(pants))
			c.rect(x-pw/2, y-0.85*ph, x+pw/2, y-0.48*ph, classes.Person, flat(cloth))
			c.ellipse(x, y-0.92*ph, 0.3*pw, 0.08*ph, classes.Person, flat(skin))
		}})
	}
	slices.SortStableFunc(things, func(a, b thing) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	for _, th := range things {
		th.paint()
	}
}

// finish applies the domain's photometry (gain, contrast, saturation, colour cast, blur,
// sensor noise) and quantises to 8-bit RGB.
func finish(r *rand.Rand, st *style, c *canvas, haze float32) []uint8 {
	gain := st.gainLo + (st.gainHi-st.gainLo)*r.Float32()
	sat, con := st.saturation*(1-0.5*haze), st.contrast*(1-0.3*haze)
	col := c.col
	for i := 0; i < len(col); i += 3 {
		l := 0.299*col[i] + 0.587*col[i+1] + 0.114*col[i+2]
		for k := 0; k < 3; k++ {
			v := l + sat*(col[i+k]-l)
			v = 0.5 + con*(v-0.5)
			col[i+k] = v*gain + st.cast[k]
		}
	}
	if st.blur {
		col = blur121(col, c.w, c.h)
	}
	out := make([]uint8, len(col))
	for i, v := range col {
		if st.noise > 0 {
			v += st.noise * float32(r.NormFloat64())
		}
		out[i] = uint8(min(255, max(0, v*255+0.5)))
	}
	return out
}

// blur121 is a separable [1 2 1]/4 blur with clamped borders.
func blur121(col []float32, w, h int) []float32 {
	tmp := make([]float32, len(col))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			xl, xr := max(0, x-1), min(w-1, x+1)
			for k := 0; k < 3; k++ {
				tmp[3*(y*w+x)+k] = 0.25*col[3*(y*w+xl)+k] + 0.5*col[3*(y*w+x)+k] + 0.25*col[3*(y*w+xr)+k]
			}
		}
	}
	out := make([]float32, len(col))
	for y := 0; y < h; y++ {
		yu, yd := max(0, y-1), min(h-1, y+1)
		for x := 0; x < w; x++ {
			for k := 0; k < 3; k++ {
				out[3*(y*w+x)+k] = 0.25*tmp[3*(yu*w+x)+k] + 0.5*tmp[3*(y*w+x)+k] + 0.25*tmp[3*(yd*w+x)+k]
			}
		}
	}
	return out
}
