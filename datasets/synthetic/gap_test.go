package synthetic

import (
	"math"
	"testing"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/datasets"
)

func samples(t testing.TB, domain, split string, n int) []datasets.Sample {
	return shifted(t, domain, split, n, 1)
}

func shifted(t testing.TB, domain, split string, n int, shift float64) []datasets.Sample {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Domain, cfg.Split, cfg.Size, cfg.Shift = domain, split, n, shift
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]datasets.Sample, n)
	for i := range out {
		if out[i], err = d.Get(i); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// classMeans fits a nearest-class-mean colour classifier: the mean RGB of each class.
func classMeans(ss []datasets.Sample) [classes.NumCityscapes][3]float64 {
	var sum [classes.NumCityscapes][3]float64
	var cnt [classes.NumCityscapes]float64
	for _, s := range ss {
		for i, c := range s.Label {
			for k := 0; k < 3; k++ {
				sum[c][k] += float64(s.RGB[3*i+k])
			}
			cnt[c]++
		}
	}
	for c := range sum {
		for k := range sum[c] {
			if cnt[c] > 0 {
				sum[c][k] /= cnt[c]
			} else {
				sum[c][k] = math.Inf(1) // never the nearest
			}
		}
	}
	return sum
}

// scoreMeans returns the mIoU (percent) of the nearest-class-mean classifier on ss.
func scoreMeans(t testing.TB, means [classes.NumCityscapes][3]float64, ss []datasets.Sample) float64 {
	conf := metrics.NewConfusion(classes.NumCityscapes)
	for _, s := range ss {
		pred := make([]int32, len(s.Label))
		for i := range pred {
			best, bd := 0, math.Inf(1)
			for c, m := range means {
				d := 0.0
				for k := 0; k < 3; k++ {
					e := float64(s.RGB[3*i+k]) - m[k]
					d += e * e
				}
				if d < bd {
					best, bd = c, d
				}
			}
			pred[i] = int32(best)
		}
		if err := conf.Add(pred, datasets.Labels(s)); err != nil {
			t.Fatal(err)
		}
	}
	return conf.MIoU()
}

// TestColourClassifierGap is the quick sanity signal that the domain gap is real: a
// per-pixel nearest-class-mean colour classifier fit on the source scores clearly lower on the
// target val split than the same classifier fit on target training images.
func TestColourClassifierGap(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 10
	}
	src := classMeans(samples(t, Source, Train, n))
	tgt := classMeans(samples(t, Target, Train, n))
	val := samples(t, Target, Val, n)
	srcVal := samples(t, Source, Val, n)
	srcOnly, oracle := scoreMeans(t, src, val), scoreMeans(t, tgt, val)
	inDomain := scoreMeans(t, src, srcVal)
	t.Logf("nearest-class-mean colour classifier mIoU: source->source %.1f, source->target %.1f, target->target %.1f", inDomain, srcOnly, oracle)
	if oracle-srcOnly < 5 {
		t.Errorf("colour classifier: source-fit %.1f vs target-fit %.1f on target: gap under 5 points", srcOnly, oracle)
	}
	if inDomain-srcOnly < 5 {
		t.Errorf("colour classifier fit on source: %.1f on source vs %.1f on target: gap under 5 points", inDomain, srcOnly)
	}
}

// TestShiftControlsGap checks that Config.Shift is a dial on the gap: a source-fit colour
// classifier does better on a mildly shifted target than on the full target.
func TestShiftControlsGap(t *testing.T) {
	const n = 20
	src := classMeans(samples(t, Source, Train, n))
	var scores []float64
	for _, shift := range []float64{0.2, 0.6, 1, 1.5} {
		scores = append(scores, scoreMeans(t, src, shifted(t, Target, Val, n, shift)))
	}
	t.Logf("source-fit colour classifier on the target at shift 0.2, 0.6, 1, 1.5: %.1f", scores)
	if !(scores[0] > scores[1] && scores[1] > scores[2] && scores[2] > scores[3]) {
		t.Errorf("scores %v: want decreasing with the shift", scores)
	}
}
