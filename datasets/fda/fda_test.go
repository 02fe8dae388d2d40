package fda

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"
)

func randomImage(r *rand.Rand, h, w int) []uint8 {
	img := make([]uint8, h*w*3)
	for i := range img {
		img[i] = uint8(r.IntN(256))
	}
	return img
}

// smoothImage is a source-like picture: gradients, a bright square and noise.
func smoothImage(r *rand.Rand, h, w int) []uint8 {
	img := make([]uint8, h*w*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				v := 40 + 120*float64(x)/float64(w) + 60*float64(y*c)/float64(h) + 20*r.Float64()
				if y > h/3 && y < h/2 && x > w/4 && x < w/2 {
					v += 70
				}
				img[(y*w+x)*3+c] = uint8(v)
			}
		}
	}
	return img
}

func TestFFT2MatchesDirectDFT(t *testing.T) {
	const h, w = 5, 6
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]complex128, h*w)
	for i := range x {
		x[i] = complex(r.Float64(), r.Float64())
	}
	got := append([]complex128(nil), x...)
	f := newFFT2(h, w)
	f.forward(got)
	for u := 0; u < h; u++ {
		for v := 0; v < w; v++ {
			var want complex128
			for y := 0; y < h; y++ {
				for xx := 0; xx < w; xx++ {
					ang := -2 * math.Pi * (float64(u*y)/h + float64(v*xx)/w)
					want += x[y*w+xx] * cmplx.Exp(complex(0, ang))
				}
			}
			if cmplx.Abs(got[u*w+v]-want) > 1e-9 {
				t.Fatalf("X[%d,%d] = %v, direct DFT %v", u, v, got[u*w+v], want)
			}
		}
	}
	f.inverse(got)
	for i := range x {
		if cmplx.Abs(got[i]-x[i]) > 1e-12 {
			t.Fatalf("inverse(forward(x))[%d] = %v, want %v", i, got[i], x[i])
		}
	}
}

func TestBetaZeroIsIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{1, 1}, {15, 21}, {24, 40}} {
		h, w := sz[0], sz[1]
		src, tgt := randomImage(r, h, w), randomImage(r, h, w)
		got, err := Restyle(src, tgt, h, w, 0)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(src) {
			t.Errorf("%dx%d: beta 0 changed the image", h, w)
		}
	}
}

func TestSameTargetIsIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const h, w = 18, 26
	src := randomImage(r, h, w)
	for _, beta := range []float64{0.01, 0.1, 0.3, 0.5, 0.9, 0.99} {
		got, err := Restyle(src, src, h, w, beta)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(src) {
			t.Errorf("beta %v: restyling with itself changed the image", beta)
		}
	}
}

// TestBandAmplitudes checks the definition on the output's own spectrum: inside the band the
// amplitude is the target's, outside the source's. Frequencies whose mirror (-u,-v) is on the
// other side of the band's edge are averaged by taking the real part (see RestyleFloat); they
// are skipped, after checking they lie on the edge lines u in {b, h-b} or v in {b, w-b}.
func TestBandAmplitudes(t *testing.T) {
	tests := []struct {
		h, w int
		beta float64
		b    int
	}{
		{16, 24, 0.01, 0},
		{16, 24, 0.1, 1},
		{16, 24, 0.25, 4},
		{15, 21, 0.3, 4},
		{16, 24, 0.5, 8},
		{16, 24, 0.9, 14}, // blocks overlap: whole rows covered
		{17, 9, 0.7, 6},
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, tt := range tests {
		h, w := tt.h, tt.w
		if b := BandSize(h, w, tt.beta); b != tt.b {
			t.Fatalf("BandSize(%d, %d, %v) = %d, want %d", h, w, tt.beta, b, tt.b)
		}
		src, tgt := smoothImage(r, h, w), randomImage(r, h, w)
		out, err := RestyleFloat(src, tgt, h, w, tt.beta)
		if err != nil {
			t.Fatal(err)
		}
		f := newFFT2(h, w)
		spec := func(img []float64, byteImg []uint8, ch int) []complex128 {
			x := make([]complex128, h*w)
			for p := range x {
				if img != nil {
					x[p] = complex(img[3*p+ch], 0)
				} else {
					x[p] = complex(float64(byteImg[3*p+ch]), 0)
				}
			}
			f.forward(x)
			return x
		}
		inside, outside, edge := 0, 0, 0
		for ch := 0; ch < 3; ch++ {
			so, ss, st := spec(out, nil, ch), spec(nil, src, ch), spec(nil, tgt, ch)
			tol := 1e-9 * float64(h*w) * 255
			for u := 0; u < h; u++ {
				for v := 0; v < w; v++ {
					in := inBand(u, v, h, w, tt.b)
					if in != inBand((h-u)%h, (w-v)%w, h, w, tt.b) {
						if u != tt.b && u != h-tt.b && v != tt.b && v != w-tt.b {
							t.Fatalf("%dx%d b=%d: (%d,%d) and its mirror differ in band membership off the edge lines", h, w, tt.b, u, v)
						}
						edge++
						continue
					}
					want, side := cmplx.Abs(ss[u*w+v]), "source"
					if in {
						want, side = cmplx.Abs(st[u*w+v]), "target"
						inside++
					} else {
						outside++
					}
					if got := cmplx.Abs(so[u*w+v]); math.Abs(got-want) > tol {
						t.Fatalf("%dx%d beta %v ch %d: |out[%d,%d]| = %v, %s's %v", h, w, tt.beta, ch, u, v, got, side, want)
					}
					// The phase is the source's wherever the amplitude is not negligible.
					if in && cmplx.Abs(ss[u*w+v]) > 1e-6 && want > 1e-6 {
						if d := cmplx.Abs(so[u*w+v]/complex(want, 0) - ss[u*w+v]/complex(cmplx.Abs(ss[u*w+v]), 0)); d > 1e-6 {
							t.Fatalf("%dx%d beta %v: phase at (%d,%d) is not the source's (off by %v)", h, w, tt.beta, u, v, d)
						}
					}
				}
			}
		}
		if tt.b > 0 && inside == 0 {
			t.Errorf("%dx%d beta %v: no frequency checked inside the band", h, w, tt.beta)
		}
		t.Logf("%dx%d beta %v b=%d: %d inside, %d outside, %d edge frequencies (over 3 channels)", h, w, tt.beta, tt.b, inside, outside, edge)
	}
}

func TestRestyleIsRoundedClippedFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const h, w = 20, 30
	// A saturated checkerboard source and a noisy target push values past 0 and 255.
	src := make([]uint8, h*w*3)
	for p := 0; p < h*w; p++ {
		if (p/w+p%w)%2 == 0 {
			src[3*p], src[3*p+1], src[3*p+2] = 255, 255, 255
		}
	}
	tgt := randomImage(r, h, w)
	for _, beta := range []float64{0.2, 0.5, 0.9} {
		f, err := RestyleFloat(src, tgt, h, w, beta)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Restyle(src, tgt, h, w, beta)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := Restyle(src, tgt, h, w, beta)
		if string(again) != string(got) {
			t.Errorf("beta %v: two calls differ", beta)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, v := range f {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
			want := math.Min(math.Max(math.Round(v), 0), 255)
			if float64(got[i]) != want {
				t.Fatalf("beta %v value %d: %d from %v", beta, i, got[i], v)
			}
		}
		t.Logf("beta %v: float output in [%.1f, %.1f]", beta, lo, hi)
	}
}

func TestToByte(t *testing.T) {
	tests := []struct {
		in   float64
		want uint8
	}{{-3, 0}, {-0.4, 0}, {0.5, 1}, {127.49, 127}, {127.5, 128}, {254.5, 255}, {255.4, 255}, {300, 255}, {math.NaN(), 0}, {math.Inf(1), 255}}
	for _, tt := range tests {
		if got := toByte(tt.in); got != tt.want {
			t.Errorf("toByte(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestRestyleErrors(t *testing.T) {
	ok := make([]uint8, 2*3*3)
	tests := []struct {
		name     string
		src, tgt []uint8
		h, w     int
		beta     float64
		want     string
	}{
		{"short source", ok[:17], ok, 2, 3, 0.1, "source has 17 bytes and target 18, want 18 (2x3x3)"},
		{"short target", ok, ok[:3], 2, 3, 0.1, "target 3"},
		{"zero size", nil, nil, 0, 3, 0.1, "size 0x3"},
		{"negative beta", ok, ok, 2, 3, -0.1, "beta -0.1 outside [0, 1)"},
		{"beta 1", ok, ok, 2, 3, 1, "beta 1 outside"},
		{"NaN beta", ok, ok, 2, 3, math.NaN(), "beta NaN"},
	}
	for _, tt := range tests {
		_, err := Restyle(tt.src, tt.tgt, tt.h, tt.w, tt.beta)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
