package synthetic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/datasets"
)

// The proxy below stands in for "a small CNN" when tuning the benchmark without one: a
// one-hidden-layer MLP on local features (colour, box means at three scales, local contrast,
// gradients, row position, and a 21x21 context), fit on one domain and scored on the target val split.

const proxyFeatures = 21

// pixelFeatures computes proxyFeatures values per pixel of s.
func pixelFeatures(s datasets.Sample) [][proxyFeatures]float32 {
	w, h := s.W, s.H
	// Integral images of the 3 channels, luminance, luminance squared, |dx| and |dy|.
	const planes = 7
	ii := make([]float64, (w+1)*(h+1)*planes)
	at := func(x, y, p int) float64 { return ii[((y*(w+1))+x)*planes+p] }
	val := func(x, y int) (v [planes]float64) {
		i := 3 * (y*w + x)
		r, g, b := float64(s.RGB[i])/255, float64(s.RGB[i+1])/255, float64(s.RGB[i+2])/255
		l := 0.299*r + 0.587*g + 0.114*b
		lum := func(x, y int) float64 {
			j := 3 * (y*w + x)
			return (0.299*float64(s.RGB[j]) + 0.587*float64(s.RGB[j+1]) + 0.114*float64(s.RGB[j+2])) / 255
		}
		dx := math.Abs(lum(min(w-1, x+1), y) - lum(max(0, x-1), y))
		dy := math.Abs(lum(x, min(h-1, y+1)) - lum(x, max(0, y-1)))
		return [planes]float64{r, g, b, l, l * l, dx, dy}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := val(x, y)
			for p := 0; p < planes; p++ {
				ii[((y+1)*(w+1)+x+1)*planes+p] = v[p] + at(x, y+1, p) + at(x+1, y, p) - at(x, y, p)
			}
		}
	}
	box := func(x, y, r, p int) float64 {
		x0, x1, y0, y1 := max(0, x-r), min(w, x+r+1), max(0, y-r), min(h, y+r+1)
		n := float64((x1 - x0) * (y1 - y0))
		return (at(x1, y1, p) - at(x0, y1, p) - at(x1, y0, p) + at(x0, y0, p)) / n
	}
	out := make([][proxyFeatures]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := val(x, y)
			f := &out[y*w+x]
			f[0], f[1], f[2] = float32(v[0]-0.5), float32(v[1]-0.5), float32(v[2]-0.5)
			for k := 0; k < 3; k++ {
				f[3+k] = float32(box(x, y, 2, k) - 0.5)
				f[6+k] = float32(box(x, y, 5, k) - 0.5)
			}
			for i, r := range []int{1, 3} {
				m := box(x, y, r, 3)
				f[9+i] = float32(8 * math.Sqrt(max(0, box(x, y, r, 4)-m*m)))
			}
			f[11] = float32(4 * box(x, y, 2, 5))
			f[12] = float32(4 * box(x, y, 2, 6))
			f[13] = float32(y)/float32(h) - 0.5
			f[14] = 1
			for k := 0; k < 3; k++ {
				f[15+k] = float32(box(x, y, 10, k) - 0.5)
			}
			f[18] = float32(8 * math.Sqrt(max(0, box(x, y, 8, 4)-box(x, y, 8, 3)*box(x, y, 8, 3))))
			f[19] = float32(4 * box(x, y, 8, 5))
			f[20] = float32(4 * box(x, y, 8, 6))
		}
	}
	return out
}

type mlp struct {
	hidden int
	w1     []float32 // hidden x proxyFeatures
	w2     []float32 // classes x hidden
	b2     []float32
}

func newMLP(r *rand.Rand, hidden int) *mlp {
	m := &mlp{hidden: hidden, w1: make([]float32, hidden*proxyFeatures), w2: make([]float32, classes.NumCityscapes*hidden), b2: make([]float32, classes.NumCityscapes)}
	for i := range m.w1 {
		m.w1[i] = float32(r.NormFloat64()) * 0.5
	}
	for i := range m.w2 {
		m.w2[i] = float32(r.NormFloat64()) * 0.1
	}
	return m
}

func (m *mlp) forward(f *[proxyFeatures]float32, hid, logits []float32) {
	for j := 0; j < m.hidden; j++ {
		s := float32(0)
		for k := 0; k < proxyFeatures; k++ {
			s += m.w1[j*proxyFeatures+k] * f[k]
		}
		hid[j] = max(0, s)
	}
	for c := range logits {
		s := m.b2[c]
		for j := 0; j < m.hidden; j++ {
			s += m.w2[c*m.hidden+j] * hid[j]
		}
		logits[c] = s
	}
}

// trainMLP fits the proxy on pixels sampled from ss with plain SGD on cross-entropy.
func trainMLP(ss []datasets.Sample, steps int, seed uint64) *mlp {
	r := rand.New(rand.NewPCG(seed, 7))
	var feats [][proxyFeatures]float32
	var labs []uint8
	for _, s := range ss {
		f := pixelFeatures(s)
		for i := 0; i < len(f); i += 3 {
			if s.Label[i] != classes.Ignore {
				feats, labs = append(feats, f[i]), append(labs, s.Label[i])
			}
		}
	}
	m := newMLP(r, 48)
	hid, logits, dh := make([]float32, m.hidden), make([]float32, classes.NumCityscapes), make([]float32, m.hidden)
	for step := 0; step < steps; step++ {
		lr := float32(0.05 * (1 - float64(step)/float64(steps)))
		i := r.IntN(len(feats))
		f := &feats[i]
		m.forward(f, hid, logits)
		mx := logits[0]
		for _, v := range logits {
			mx = max(mx, v)
		}
		sum := float32(0)
		for c := range logits {
			logits[c] = float32(math.Exp(float64(logits[c] - mx)))
			sum += logits[c]
		}
		for c := range logits {
			g := logits[c] / sum
			if c == int(labs[i]) {
				g--
			}
			logits[c] = g
		}
		clear(dh)
		for c, g := range logits {
			for j := 0; j < m.hidden; j++ {
				dh[j] += g * m.w2[c*m.hidden+j]
				m.w2[c*m.hidden+j] -= lr * g * hid[j]
			}
			m.b2[c] -= lr * g
		}
		for j := 0; j < m.hidden; j++ {
			if hid[j] <= 0 {
				continue
			}
			for k := 0; k < proxyFeatures; k++ {
				m.w1[j*proxyFeatures+k] -= lr * dh[j] * f[k]
			}
		}
	}
	return m
}

func scoreMLP(t testing.TB, m *mlp, ss []datasets.Sample) *metrics.Confusion {
	conf := metrics.NewConfusion(classes.NumCityscapes)
	hid, logits := make([]float32, m.hidden), make([]float32, classes.NumCityscapes)
	for _, s := range ss {
		f := pixelFeatures(s)
		pred := make([]int32, len(f))
		for i := range f {
			m.forward(&f[i], hid, logits)
			best := 0
			for c, v := range logits {
				if v > logits[best] {
					best = c
				}
			}
			pred[i] = int32(best)
		}
		if err := conf.Add(pred, datasets.Labels(s)); err != nil {
			t.Fatal(err)
		}
	}
	return conf
}

// TestMLPGapProxy reports (DAST_SYNTH_PROXY=<shift>, e.g. 1) source-only and oracle mIoU of the feature MLP
// on the target val split; it takes tens of seconds, so it is opt-in.
func TestMLPGapProxy(t *testing.T) {
	if os.Getenv("DAST_SYNTH_PROXY") == "" {
		t.Skip("set DAST_SYNTH_PROXY=1 to run the feature-MLP gap proxy")
	}
	const n, steps = 150, 600000
	shift, err := strconv.ParseFloat(os.Getenv("DAST_SYNTH_PROXY"), 64)
	if err != nil {
		shift = 1
	}
	val := shifted(t, Target, Val, 60, shift)
	srcM := trainMLP(samples(t, Source, Train, n), steps, 1)
	tgtM := trainMLP(shifted(t, Target, Train, n, shift), steps, 1)
	srcConf, tgtConf := scoreMLP(t, srcM, val), scoreMLP(t, tgtM, val)
	names := classes.Names()
	t.Logf("source-only on target val:\n%s", srcConf.Metrics(names, 0).Table())
	for g := 0; g < classes.NumCityscapes; g++ {
		var row []string
		for p := 0; p < classes.NumCityscapes; p++ {
			if n := srcConf.Count(g, p); n > 0 {
				row = append(row, fmt.Sprintf("%s:%d", names[p], n))
			}
		}
		if len(row) > 0 {
			t.Logf("source-only, ground truth %s -> %v", names[g], row)
		}
	}
	t.Logf("oracle on target val:\n%s", tgtConf.Metrics(names, 0).Table())
	t.Logf("shift %v: feature-MLP mIoU on target val: source-only %.1f, oracle %.1f, source on source val %.1f",
		shift, srcConf.MIoU(), tgtConf.MIoU(), scoreMLP(t, srcM, samples(t, Source, Val, 60)).MIoU())
}
