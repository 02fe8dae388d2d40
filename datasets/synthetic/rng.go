package synthetic

import "math/rand/v2"

// mix is the SplitMix64 finaliser: a bijective scrambler of 64-bit words.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// imageRNG returns the generator of one image, a function of (seed, domain, split, index).
func imageRNG(seed int64, domain, split string, index int) *rand.Rand {
	h := mix(uint64(seed))
	for _, s := range []string{domain, split} {
		for _, b := range []byte(s) {
			h = mix(h ^ uint64(b))
		}
		h = mix(h ^ 0xff)
	}
	h = mix(h ^ uint64(index))
	return rand.New(rand.NewPCG(h, mix(h^0x5851f42d4c957f2d)))
}

// hash2 returns a deterministic value in [0,1) for an integer lattice point and a salt.
func hash2(x, y int, salt uint64) float32 {
	h := mix(salt ^ uint64(uint32(x)) ^ uint64(uint32(y))<<32)
	return float32(h>>40) / float32(1<<24)
}

// valueNoise is smooth noise in [0,1): bilinear interpolation of lattice hashes with period
// scale pixels.
func valueNoise(x, y float32, scale float32, salt uint64) float32 {
	fx, fy := x/scale, y/scale
	ix, iy := int(floor(fx)), int(floor(fy))
	tx, ty := fx-float32(ix), fy-float32(iy)
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	a := hash2(ix, iy, salt)
	b := hash2(ix+1, iy, salt)
	c := hash2(ix, iy+1, salt)
	d := hash2(ix+1, iy+1, salt)
	return (a*(1-tx)+b*tx)*(1-ty) + (c*(1-tx)+d*tx)*ty
}

func floor(v float32) float32 {
	i := float32(int(v))
	if i > v {
		return i - 1
	}
	return i
}
