package fda

import (
	"math"
	"testing"

	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/datasets/synthetic"
)

func channelMeans(rgb []float64) [3]float64 {
	var m [3]float64
	for i, v := range rgb {
		m[i%3] += v
	}
	for c := range m {
		m[c] /= float64(len(rgb) / 3)
	}
	return m
}

func bytesToFloat(b []uint8) []float64 {
	f := make([]float64, len(b))
	for i, v := range b {
		f[i] = float64(v)
	}
	return f
}

// TestSyntheticMeansMoveToTarget restyles the synthetic source toward the synthetic target:
// the DC coefficient is always in the band (b >= 1), so before clipping each channel's mean
// is exactly the target's, and after clipping the mean colour gap shrinks.
func TestSyntheticMeansMoveToTarget(t *testing.T) {
	mk := func(domain string) datasets.Dataset {
		cfg := synthetic.DefaultConfig()
		cfg.Domain, cfg.Split, cfg.Size, cfg.Height, cfg.Width = domain, synthetic.Val, 4, 32, 64
		d, err := synthetic.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	src, tgt := mk(synthetic.Source), mk(synthetic.Target)
	for _, beta := range []float64{0.05, 0.5, 0.9} {
		d, err := NewDataset(src, tgt, beta)
		if err != nil {
			t.Fatal(err)
		}
		var before, after float64
		for i := 0; i < src.Len(); i++ {
			s, _ := src.Get(i)
			tg, _ := tgt.Get(TargetIndex(i, tgt.Len()))
			f, err := RestyleFloat(s.RGB, tg.RGB, s.H, s.W, beta)
			if err != nil {
				t.Fatal(err)
			}
			mf, mt, ms := channelMeans(f), channelMeans(bytesToFloat(tg.RGB)), channelMeans(bytesToFloat(s.RGB))
			for c := range 3 {
				if math.Abs(mf[c]-mt[c]) > 1e-9 {
					t.Errorf("beta %v image %d channel %d: mean %v, target's %v", beta, i, c, mf[c], mt[c])
				}
			}
			r, err := d.Get(i)
			if err != nil {
				t.Fatal(err)
			}
			mr := channelMeans(bytesToFloat(r.RGB))
			for c := range 3 {
				before += math.Abs(ms[c] - mt[c])
				after += math.Abs(mr[c] - mt[c])
			}
		}
		n := float64(3 * src.Len())
		t.Logf("beta %v (b=%d): mean |channel mean - target's| %.2f before, %.2f after rounding and clipping", beta, BandSize(32, 64, beta), before/n, after/n)
		if after >= before {
			t.Errorf("beta %v: restyling did not bring the mean colours closer (%.2f -> %.2f)", beta, before/n, after/n)
		}
	}
}

func BenchmarkRestyle512x1024(b *testing.B) {
	const h, w = 512, 1024
	src, tgt := make([]uint8, h*w*3), make([]uint8, h*w*3)
	for i := range src {
		src[i], tgt[i] = uint8(i*7), uint8(i*13+5)
	}
	for b.Loop() {
		if _, err := Restyle(src, tgt, h, w, 0.5); err != nil {
			b.Fatal(err)
		}
	}
}
