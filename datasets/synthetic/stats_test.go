package synthetic

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/datasets"
)

// domainStats are per-class pixel fractions, images containing the class, and mean colours.
type domainStats struct {
	pixels   [classes.NumCityscapes]float64 // fraction of all pixels
	images   [classes.NumCityscapes]int     // images containing the class
	mean     [classes.NumCityscapes][3]float64
	lumaStd  float64 // std of luminance over all pixels
	satMean  float64 // mean of max-min channel spread
	noiseStd float64 // mean |horizontal neighbour difference| inside large flat regions
}

func collect(ss []datasets.Sample) domainStats {
	var st domainStats
	var cnt [classes.NumCityscapes]float64
	total := 0.0
	var l1, l2 float64
	for _, s := range ss {
		var seen [classes.NumCityscapes]bool
		for i, c := range s.Label {
			seen[c] = true
			cnt[c]++
			r, g, b := float64(s.RGB[3*i]), float64(s.RGB[3*i+1]), float64(s.RGB[3*i+2])
			st.mean[c][0] += r
			st.mean[c][1] += g
			st.mean[c][2] += b
			l := 0.299*r + 0.587*g + 0.114*b
			l1 += l
			l2 += l * l
			st.satMean += max(r, g, b) - min(r, g, b)
			total++
		}
		for c, ok := range seen {
			if ok {
				st.images[c]++
			}
		}
	}
	for c := range cnt {
		st.pixels[c] = cnt[c] / total
		for k := 0; k < 3; k++ {
			if cnt[c] > 0 {
				st.mean[c][k] /= cnt[c]
			}
		}
	}
	m := l1 / total
	st.lumaStd = math.Sqrt(l2/total - m*m)
	st.satMean /= total
	return st
}

func (st domainStats) String() string {
	var b strings.Builder
	names := classes.Names()
	for c, f := range st.pixels {
		if f == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %-13s %5.2f%% of pixels, in %3d images, mean RGB (%3.0f,%3.0f,%3.0f)\n",
			names[c], 100*f, st.images[c], st.mean[c][0], st.mean[c][1], st.mean[c][2])
	}
	fmt.Fprintf(&b, "  luminance std %.1f, mean saturation spread %.1f", st.lumaStd, st.satMean)
	return b.String()
}

// TestClassStatistics checks, per domain, that the required classes occur in most images,
// that labels stay in the classes the generator draws, and the designed frequency shifts
// (more cars in the source, more people in the target).
func TestClassStatistics(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 50
	}
	drawn := map[uint8]bool{}
	for _, c := range Classes() {
		drawn[uint8(c)] = true
	}
	stats := map[string]domainStats{}
	for _, domain := range []string{Source, Target} {
		ss := samples(t, domain, Train, n)
		for _, s := range ss {
			for i, c := range s.Label {
				if !drawn[c] {
					t.Fatalf("%s %s: label %d at pixel %d is not a drawn class", domain, s.Name, c, i)
				}
			}
		}
		st := collect(ss)
		stats[domain] = st
		for _, c := range Classes() {
			if st.images[c] == 0 {
				t.Errorf("%s: class %s listed by Classes() never drawn in %d images", domain, classes.Names()[c], n)
			}
		}
		t.Logf("%s, %d images:\n%s", domain, n, st)
		// Road, sky and building frame every street scene.
		for _, c := range []uint8{classes.Road, classes.Sidewalk, classes.Sky} {
			if st.images[c] < n*9/10 {
				t.Errorf("%s: %s in %d of %d images", domain, classes.Names()[c], st.images[c], n)
			}
		}
		for _, c := range []uint8{classes.Building, classes.Vegetation, classes.Car, classes.Person, classes.Pole, classes.Terrain} {
			if st.images[c] < n/3 {
				t.Errorf("%s: %s in only %d of %d images", domain, classes.Names()[c], st.images[c], n)
			}
		}
	}
	src, tgt := stats[Source], stats[Target]
	if src.pixels[classes.Car] <= 1.5*tgt.pixels[classes.Car] {
		t.Errorf("car pixels: source %.3f, target %.3f; want clearly more in the source", src.pixels[classes.Car], tgt.pixels[classes.Car])
	}
	if tgt.images[classes.Person] <= src.images[classes.Person] || tgt.pixels[classes.Person] <= src.pixels[classes.Person] {
		t.Errorf("person: source %d images %.4f, target %d images %.4f; want more in the target",
			src.images[classes.Person], src.pixels[classes.Person], tgt.images[classes.Person], tgt.pixels[classes.Person])
	}
}

// TestDomainsDifferInColour checks the photometric shift: the source is more saturated and
// contrasted, and class mean colours move between domains.
func TestDomainsDifferInColour(t *testing.T) {
	src, tgt := collect(samples(t, Source, Train, 40)), collect(samples(t, Target, Train, 40))
	if src.satMean < 1.3*tgt.satMean {
		t.Errorf("saturation spread: source %.1f, target %.1f; want the source clearly more saturated", src.satMean, tgt.satMean)
	}
	if src.lumaStd <= tgt.lumaStd {
		t.Errorf("luminance std: source %.1f, target %.1f; want more contrast in the source", src.lumaStd, tgt.lumaStd)
	}
	for _, c := range []uint8{classes.Sky, classes.Vegetation, classes.Sidewalk, classes.Car} {
		d := 0.0
		for k := 0; k < 3; k++ {
			d += math.Abs(src.mean[c][k] - tgt.mean[c][k])
		}
		if d < 20 {
			t.Errorf("%s: mean colours %v (source) and %v (target) differ by %.1f, want >= 20", classes.Names()[c], src.mean[c], tgt.mean[c], d)
		}
	}
}
